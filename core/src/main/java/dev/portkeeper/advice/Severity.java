package dev.portkeeper.advice;

/** How urgent a finding is. */
public enum Severity {
    /** Worth knowing; nothing is wrong now. */
    INFO,
    /** Something to change before it hurts. */
    WARN,
    /** Something is failing or about to. */
    CRITICAL
}
