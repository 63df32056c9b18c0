package dev.portkeeper.internal;

/** The churn guard's mode; mirrors {@code PoolSettings.ChurnGuard}. */
public enum GuardMode {
    OFF, LOG_ONLY, ON
}
