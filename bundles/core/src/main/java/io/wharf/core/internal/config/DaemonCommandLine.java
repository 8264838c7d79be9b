package io.wharf.core.internal.config;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * wharfd's command line, with dockerd's flag names and pflag's spelling of errors. Only the
 * flags a user actually gave are kept: defaults come in when daemon.json has been merged.
 */
public final class DaemonCommandLine {

    private static final String CONFIG_FILE_FLAG = "--config-file";
    /** Read by the launcher before the framework starts; accepted here so it is not unknown. */
    private static final String DEPLOY_DIR_FLAG = "--deploy-dir";

    private final Map<String, Object> flagValues;
    private final Path configFile;
    private final boolean configFileGiven;
    private final boolean help;
    private final boolean version;
    private final String usage;

    private DaemonCommandLine(Map<String, Object> flagValues, Path configFile, boolean configFileGiven, boolean help,
            boolean version, String usage) {
        this.flagValues = Collections.unmodifiableMap(flagValues);
        this.configFile = configFile;
        this.configFileGiven = configFileGiven;
        this.help = help;
        this.version = version;
        this.usage = usage;
    }

    public static DaemonCommandLine parse(List<String> args) throws ConfigException {
        CommandSpec spec = CommandSpec.create().name("wharfd");
        spec.usageMessage().description("A self-sufficient runtime for containers (Wharf, a Docker Engine on OSGi).");
        spec.addOption(OptionSpec.builder(CONFIG_FILE_FLAG).type(String.class).paramLabel("<path>")
                .description("Daemon configuration file (default " + Directives.DEFAULT_CONFIG_FILE + ")").build());
        spec.addOption(OptionSpec.builder(DEPLOY_DIR_FLAG).type(String.class).paramLabel("<path>")
                .description("Directory watched for driver and router bundles (default: deploy/ beside run/)").build());
        for (Directive d : Directives.all()) {
            OptionSpec.Builder b = OptionSpec.builder(d.flags().toArray(String[]::new)).description(d.description());
            switch (d.kind()) {
                case STRING -> b.type(String.class).paramLabel("<string>");
                case BOOLEAN -> b.type(boolean.class).arity("0..1").paramLabel("<true|false>");
                case INTEGER -> b.type(int.class).paramLabel("<int>");
                case LIST -> b.type(List.class).auxiliaryTypes(String.class).arity("1").paramLabel("<value>");
            }
            spec.addOption(b.build());
        }
        spec.addOption(OptionSpec.builder("-v", "--version").versionHelp(true)
                .description("Print version information and quit").build());
        spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true).description("Print usage").build());

        CommandLine cl = new CommandLine(spec);
        cl.setPosixClusteredShortOptionsAllowed(false);
        cl.setToggleBooleanFlags(false);
        ParseResult pr;
        try {
            pr = cl.parseArgs(args.toArray(String[]::new));
        } catch (CommandLine.UnmatchedArgumentException e) {
            String first = e.getUnmatched().isEmpty() ? "" : e.getUnmatched().getFirst();
            if (first.startsWith("-")) {
                throw new ConfigException("unknown flag: " + first + "\nSee 'wharfd --help'.");
            }
            throw new ConfigException("\"wharfd\" accepts no arguments.\nSee 'wharfd --help'.");
        } catch (CommandLine.MissingParameterException e) {
            String flag = e.getMissing().isEmpty() ? "" : longName(e.getMissing().getFirst());
            throw new ConfigException("flag needs an argument: " + flag + "\nSee 'wharfd --help'.");
        } catch (CommandLine.ParameterException e) {
            throw new ConfigException(e.getMessage().replace("Invalid value for option", "invalid argument for flag")
                    + "\nSee 'wharfd --help'.");
        }

        Map<String, Object> values = new LinkedHashMap<>();
        for (Directive d : Directives.all()) {
            if (pr.hasMatchedOption(d.longFlag())) {
                Object v = pr.matchedOptionValue(d.longFlag(), d.defaultValue());
                values.put(d.key(), v instanceof List<?> l ? List.copyOf(l) : v);
            }
        }
        checkMirrors(values);
        boolean configGiven = pr.hasMatchedOption(CONFIG_FILE_FLAG);
        Path configFile = Path.of(configGiven ? pr.matchedOptionValue(CONFIG_FILE_FLAG, "")
                : Directives.DEFAULT_CONFIG_FILE);
        return new DaemonCommandLine(values, configFile, configGiven, pr.isUsageHelpRequested(),
                pr.isVersionHelpRequested(), cl.getUsageMessage());
    }

    /** dockerd's --registry-mirror validates each value as pflag parses it, and says which one failed. */
    @SuppressWarnings("unchecked")
    private static void checkMirrors(Map<String, Object> values) throws ConfigException {
        for (String mirror : (List<String>) values.getOrDefault("registry-mirrors", List.of())) {
            try {
                ConfigValidator.validateMirror(mirror);
            } catch (ConfigException e) {
                throw new ConfigException("invalid argument \"" + mirror + "\" for \"--registry-mirror\" flag: "
                        + e.getMessage() + "\nSee 'wharfd --help'.");
            }
        }
    }

    private static String longName(picocli.CommandLine.Model.ArgSpec arg) {
        return arg instanceof OptionSpec o ? o.longestName() : arg.paramLabel();
    }

    /** The values of the flags given, by directive key. */
    public Map<String, Object> flagValues() {
        return flagValues;
    }

    public Path configFile() {
        return configFile;
    }

    /** Whether --config-file was given: then the file must exist. */
    public boolean configFileGiven() {
        return configFileGiven;
    }

    public boolean helpRequested() {
        return help;
    }

    public boolean versionRequested() {
        return version;
    }

    public String usage() {
        return usage;
    }
}
