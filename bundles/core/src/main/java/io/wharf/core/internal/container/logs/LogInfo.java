package io.wharf.core.internal.container.logs;

import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import io.wharf.core.internal.system.HostFacts;
import io.wharf.core.spi.errors.InvalidParameterException;

/**
 * What a log driver knows of its container (moby's logger.Info), for the extra attributes the
 * {@code labels}, {@code labels-regex}, {@code env}, {@code env-regex} and {@code tag} options
 * add to every entry, and which {@code docker logs --details} shows.
 *
 * @param containerId   the full container id
 * @param containerName the name, with or without its leading slash
 * @param imageId       the image id, {@code sha256:...}
 * @param imageName     the image as the user named it
 * @param path          the executable the container runs
 * @param args          its arguments
 * @param labels        the container's labels
 * @param env           the container's environment, {@code KEY=value} each
 */
public record LogInfo(String containerId, String containerName, String imageId, String imageName,
        String path, List<String> args, Map<String, String> labels, List<String> env) {

    public LogInfo {
        args = List.copyOf(args);
        labels = Map.copyOf(labels);
        env = List.copyOf(env);
    }

    /** moby's Info.ExtraAttributes plus the tag, as jsonfilelog.New puts them together. */
    SortedMap<String, String> attributes(Map<String, String> logOpts) {
        SortedMap<String, String> extra = new TreeMap<>();
        String wanted = logOpts.get("labels");
        if (wanted != null && !wanted.isEmpty()) {
            for (String key : wanted.split(",", -1)) {
                if (labels.containsKey(key)) {
                    extra.put(key, labels.get(key));
                }
            }
        }
        Pattern labelsRegex = regex(logOpts, "labels-regex");
        if (labelsRegex != null) {
            labels.forEach((k, v) -> {
                if (labelsRegex.matcher(k).find()) {
                    extra.put(k, v);
                }
            });
        }
        Map<String, String> environment = new TreeMap<>();
        for (String e : env) {
            int eq = e.indexOf('=');
            if (eq >= 0) {
                environment.put(e.substring(0, eq), e.substring(eq + 1));
            }
        }
        wanted = logOpts.get("env");
        if (wanted != null && !wanted.isEmpty()) {
            for (String key : wanted.split(",", -1)) {
                if (environment.containsKey(key)) {
                    extra.put(key, environment.get(key));
                }
            }
        }
        Pattern envRegex = regex(logOpts, "env-regex");
        if (envRegex != null) {
            environment.forEach((k, v) -> {
                if (envRegex.matcher(k).find()) {
                    extra.put(k, v);
                }
            });
        }
        String tag = tag(logOpts.getOrDefault("tag", ""));
        if (!tag.isEmpty()) {
            extra.put("tag", tag);
        }
        return extra;
    }

    /**
     * The {@code tag} option: literal text with {@code {{.Field}}} placeholders for logger.Info's
     * fields. dockerd runs it as a full Go template; the functions and pipelines that allows are
     * refused here rather than half understood.
     */
    String tag(String template) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < template.length()) {
            int open = template.indexOf("{{", i);
            if (open < 0) {
                out.append(template, i, template.length());
                break;
            }
            int close = template.indexOf("}}", open + 2);
            if (close < 0) {
                throw new InvalidParameterException("template: log-tag: unclosed action in \"" + template + "\"");
            }
            out.append(template, i, open);
            out.append(field(template.substring(open + 2, close).strip(), template));
            i = close + 2;
        }
        return out.toString();
    }

    private String field(String action, String template) {
        return switch (action) {
            case ".ID" -> truncate(containerId);
            case ".FullID" -> containerId;
            case ".Name" -> containerName.startsWith("/") ? containerName.substring(1) : containerName;
            case ".ImageID" -> truncate(imageId);
            case ".ImageFullID" -> imageId;
            case ".ImageName" -> imageName;
            case ".Command" -> args.isEmpty() ? path : path + " " + String.join(" ", args);
            case ".Hostname" -> HostFacts.hostname();
            case ".DaemonName" -> "docker";
            default -> throw new InvalidParameterException("template: log-tag: unsupported action {{" + action
                    + "}} in \"" + template + "\"; only {{.Field}} of logger.Info is supported");
        };
    }

    /** moby's stringid.TruncateID: the id after any algorithm prefix, cut to 12 characters. */
    private static String truncate(String id) {
        String hex = id.substring(id.indexOf(':') + 1);
        return hex.length() > 12 ? hex.substring(0, 12) : hex;
    }

    private static Pattern regex(Map<String, String> logOpts, String option) {
        String text = logOpts.get(option);
        if (text == null || text.isEmpty()) {
            return null;
        }
        try {
            return Pattern.compile(text);
        } catch (PatternSyntaxException e) {
            throw new InvalidParameterException("error parsing regexp for " + option + ": " + e.getDescription()
                    + ": `" + text + "`");
        }
    }
}
