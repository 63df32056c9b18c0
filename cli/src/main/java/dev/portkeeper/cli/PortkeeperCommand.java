package dev.portkeeper.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code portkeeper} command: the entry point of the executable jar. */
@Command(name = "portkeeper", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Keeps client TCP connections long-lived and reused, and shows what short connections cost.",
        subcommands = {DoctorCommand.class, WatchCommand.class, DemoCommand.class, CommandLine.HelpCommand.class})
public final class PortkeeperCommand implements Runnable {
    /** The monitor logs its alerts; the commands print them themselves, so the log would say everything twice. */
    private static final String MONITOR_LOG_LEVEL = "org.slf4j.simpleLogger.log.dev.portkeeper.budget.PortBudgetMonitor";

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /**
     * Runs the command line and exits with its status.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        if (System.getProperty(MONITOR_LOG_LEVEL) == null) {
            System.setProperty(MONITOR_LOG_LEVEL, "error");
        }
        System.exit(new CommandLine(new PortkeeperCommand()).execute(args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
