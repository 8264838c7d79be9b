import java.io.IOException;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Volume creation and listing over the raw Engine API on a unix socket.
 *
 * <pre>
 * java bench/VolumeLoad.java SOCKET COUNT LISTS PREFIX
 * </pre>
 * on one keep-alive connection: {@code POST /volumes/create} with {@code {"Name":"PREFIX-N"}} for
 * N = 1..COUNT (each answered 201 with that name; the clock runs from the first request to the
 * last answer), then {@code GET /volumes} LISTS times (each answer must name exactly the COUNT
 * volumes of PREFIX; the median is reported), then {@code DELETE /volumes/PREFIX-N} for each
 * (204), also timed. One warm-up create, list and delete of {@code PREFIX-warmup} come first and
 * are not counted. It prints one line on stdout:
 * {@code create_s 1.234 list_ms 56.7 remove_s 1.100 (COUNT volumes, ...)}, and exits 2 when any
 * request failed or was answered unexpectedly. HTTP is written by hand as in {@link HttpLoad},
 * whose connection and response reader it uses.
 */
public class VolumeLoad {

    private static HttpLoad.ApiClient api;

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: VolumeLoad SOCKET COUNT LISTS PREFIX");
            System.exit(64);
        }
        api = new HttpLoad.ApiClient(Path.of(args[0]));
        int count = Integer.parseInt(args[1]);
        int lists = Integer.parseInt(args[2]);
        String prefix = args[3];
        if (count < 1 || lists < 1 || !prefix.matches("[a-zA-Z0-9][a-zA-Z0-9_.-]*")) {
            System.err.println("VolumeLoad: need COUNT >= 1, LISTS >= 1 and a volume-name PREFIX");
            System.exit(64);
        }
        try {
            System.out.println(run(count, lists, prefix));
        } catch (IOException | RuntimeException e) {
            System.err.println("VolumeLoad: " + e);
            System.exit(2);
        }
    }

    static String run(int count, int lists, String prefix) throws IOException {
        Pattern ours = Pattern.compile("\"Name\"\\s*:\\s*\"" + Pattern.quote(prefix) + "-\\d+\"");
        create(prefix + "-warmup");
        api.call("GET", "/volumes", null, 200);
        api.call("DELETE", "/volumes/" + prefix + "-warmup", null, 204);

        long t0 = System.nanoTime();
        for (int i = 1; i <= count; i++) {
            create(prefix + "-" + i);
        }
        double createSeconds = (System.nanoTime() - t0) / 1e9;

        long[] listNanos = new long[lists];
        int listed = 0;
        for (int i = 0; i < lists; i++) {
            long l0 = System.nanoTime();
            String all = api.call("GET", "/volumes", null, 200);
            listNanos[i] = System.nanoTime() - l0;
            Matcher m = ours.matcher(all);
            listed = 0;
            while (m.find()) {
                listed++;
            }
            if (listed != count) {
                throw new ProtocolException("GET /volumes named " + listed + " of the " + count + " volumes");
            }
        }
        Arrays.sort(listNanos);
        double listMs = (lists % 2 == 1 ? listNanos[lists / 2] : (listNanos[lists / 2 - 1] + listNanos[lists / 2]) / 2.0) / 1e6;

        long r0 = System.nanoTime();
        for (int i = 1; i <= count; i++) {
            api.call("DELETE", "/volumes/" + prefix + "-" + i, null, 204);
        }
        double removeSeconds = (System.nanoTime() - r0) / 1e9;
        return String.format(Locale.ROOT, "create_s %.3f list_ms %.1f remove_s %.3f (%d volumes, %.0f creates/s, list median of %d)",
                createSeconds, listMs, removeSeconds, count, count / createSeconds, lists);
    }

    private static void create(String name) throws IOException {
        String answer = api.call("POST", "/volumes/create", ("{\"Name\":\"" + name + "\"}").getBytes(StandardCharsets.UTF_8), 201);
        if (!answer.contains("\"" + name + "\"")) {
            throw new ProtocolException("create " + name + " answered " + answer.strip());
        }
    }
}
