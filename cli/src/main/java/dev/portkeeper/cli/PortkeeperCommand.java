package dev.portkeeper.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code portkeeper} command: the entry point of the executable jar. */
@Command(name = "portkeeper", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Keeps client TCP connections long-lived and reused, and shows what short connections cost.",
        subcommands = {DoctorCommand.class, WatchCommand.class, DemoCommand.class, CommandLine.HelpCommand.class})
public final class PortkeeperCommand implements Callable<Integer> {
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
        System.exit(commandLine().execute(args));
    }

    /**
     * The command line with the contract every command shares: usage errors exit with
     * {@link ExitStatus#USAGE}, failures with {@link ExitStatus#UNKNOWN}, and every {@code --help}
     * ends with the one exit status table.
     */
    static CommandLine commandLine() {
        CommandLine root = new CommandLine(new PortkeeperCommand());
        apply(root);
        return root;
    }

    private static void apply(CommandLine line) {
        line.getCommandSpec().exitCodeOnInvalidInput(ExitStatus.USAGE)
                .exitCodeOnExecutionException(ExitStatus.UNKNOWN);
        line.getCommandSpec().usageMessage().exitCodeListHeading("%nExit status (every command):%n")
                .exitCodeList(ExitStatus.TABLE);
        for (CommandLine sub : line.getSubcommands().values()) {
            apply(sub);
        }
    }

    /** No subcommand: the usage, on stderr, and the usage error's status. */
    @Override
    public Integer call() {
        spec.commandLine().getErr().println("Missing a command: doctor, watch or demo.");
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitStatus.USAGE;
    }
}
