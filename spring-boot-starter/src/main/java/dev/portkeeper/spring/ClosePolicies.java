package dev.portkeeper.spring;

import dev.portkeeper.ClosePolicy;
import dev.portkeeper.ClosePolicy.Strategy;
import dev.portkeeper.spring.PortkeeperProperties.Hook;
import java.time.Duration;
import org.springframework.validation.Errors;

/** The check of one close policy's properties, shared by the pool's and each endpoint's. */
final class ClosePolicies {
    private ClosePolicies() {
    }

    static void validate(Errors errors, Strategy strategy, Hook hook, Duration peerCloseTimeout) {
        int before = errors.getErrorCount();
        ClosePolicy.Builder b = ClosePolicy.custom();
        PortkeeperProperties.check(errors, "strategy", () -> b.strategy(strategy));
        PortkeeperProperties.check(errors, "peerCloseTimeout", () -> b.peerCloseTimeout(peerCloseTimeout));
        if (errors.getErrorCount() == before) {
            b.hook(hook == null ? null : hook.toPeerCloseHook());
            // PEER_FIRST without a hook names the strategy (the value that was set); a hook with another
            // strategy names the hook.
            PortkeeperProperties.check(errors, hook == null ? "strategy" : "hook", b::build);
        }
    }
}
