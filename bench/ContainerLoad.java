import java.io.IOException;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Container churn over the raw Engine API on a unix socket: how many containers per second a
 * daemon creates, starts, waits for and removes.
 *
 * <pre>
 * java bench/ContainerLoad.java SOCKET IMAGE CONTAINERS CLIENTS [WARMUP_PER_CLIENT]
 * </pre>
 * runs CLIENTS client threads, each on its own keep-alive connection, which together go through
 * CONTAINERS cycles (shared out as evenly as possible). A cycle is
 * <ol>
 * <li>{@code POST /containers/create} with
 *     {@code {"Image":IMAGE,"Cmd":["true"],"HostConfig":{"NetworkMode":"none"}}}, answered 201 with the ID,</li>
 * <li>{@code POST /containers/ID/start}, answered 204,</li>
 * <li>{@code POST /containers/ID/wait?condition=not-running}, answered 200 with StatusCode 0,</li>
 * <li>{@code DELETE /containers/ID}, answered 204.</li>
 * </ol>
 * Each client first does WARMUP_PER_CLIENT cycles (default 1) that are not counted; the clock
 * starts when all clients are done with theirs and stops when the last one finishes. It prints
 * one line on stdout, starting with the rate:
 * {@code 12.3 containers/s (40 containers in 3.25 s, 4 clients; median create 9.1 ms, ...)},
 * and exits 2 when any request failed or was answered unexpectedly (a client stops at its first
 * failure, after trying to remove the container it was working on with {@code ?force=1}).
 * HTTP is written by hand as in {@link HttpLoad}, whose connection and response reader it uses
 * ({@code java bench/ContainerLoad.java} finds bench/HttpLoad.java beside it).
 */
public class ContainerLoad {

    private static final Pattern ID = Pattern.compile("\"Id\"\\s*:\\s*\"([0-9a-f]{64})\"");
    private static final Pattern STATUS_CODE = Pattern.compile("\"StatusCode\"\\s*:\\s*(-?\\d+)");
    private static final String[] PHASES = {"create", "start", "wait", "delete"};

    public static void main(String[] args) throws Exception {
        if (args.length != 4 && args.length != 5) {
            System.err.println("usage: ContainerLoad SOCKET IMAGE CONTAINERS CLIENTS [WARMUP_PER_CLIENT]");
            System.exit(64);
        }
        Path socket = Path.of(args[0]);
        String image = args[1];
        int containers = Integer.parseInt(args[2]);
        int clients = Integer.parseInt(args[3]);
        int warmup = args.length == 5 ? Integer.parseInt(args[4]) : 1;
        if (containers < 1 || clients < 1 || clients > containers || warmup < 0) {
            System.err.println("ContainerLoad: need 1 <= CLIENTS <= CONTAINERS and WARMUP_PER_CLIENT >= 0");
            System.exit(64);
        }
        System.exit(run(socket, image, containers, clients, warmup));
    }

    static int run(Path socket, String image, int containers, int clients, int warmup) throws InterruptedException {
        String create = "{\"Image\":\"" + image + "\",\"Cmd\":[\"true\"],\"HostConfig\":{\"NetworkMode\":\"none\"}}";
        CountDownLatch warmedUp = new CountDownLatch(clients);
        List<Client> all = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            int share = containers / clients + (i < containers % clients ? 1 : 0);
            Client c = new Client(socket, create, warmup, share, warmedUp);
            c.thread = Thread.ofPlatform().name("client-" + i).start(c);
            all.add(c);
        }
        warmedUp.await();
        long t0 = System.nanoTime();
        for (Client c : all) {
            c.thread.join();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        int done = 0;
        int failed = 0;
        String firstProblem = null;
        List<List<Long>> times = new ArrayList<>();
        for (int p = 0; p < PHASES.length; p++) {
            times.add(new ArrayList<>());
        }
        for (Client c : all) {
            done += c.done;
            if (c.problem != null) {
                failed++;
                if (firstProblem == null) {
                    firstProblem = c.problem;
                }
            }
            for (int p = 0; p < PHASES.length; p++) {
                times.get(p).addAll(c.times.get(p));
            }
        }
        StringBuilder medians = new StringBuilder();
        for (int p = 0; p < PHASES.length; p++) {
            medians.append(p == 0 ? "median " : ", ").append(PHASES[p]).append(' ')
                    .append(String.format(Locale.ROOT, "%.1f ms", median(times.get(p)) / 1e6));
        }
        System.out.printf(Locale.ROOT, "%.2f containers/s (%d containers in %.3f s, %d clients after %d warm-up each; %s; %d clients failed)%n",
                done / seconds, done, seconds, clients, warmup, medians, failed);
        if (firstProblem != null) {
            System.err.println("ContainerLoad: first problem: " + firstProblem);
        }
        return done == containers && failed == 0 ? 0 : 2;
    }

    private static double median(List<Long> v) {
        if (v.isEmpty()) {
            return Double.NaN;
        }
        long[] a = v.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(a);
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2.0;
    }

    static final class Client implements Runnable {
        private final byte[] createBody;
        private final int warmup;
        private final int cycles;
        private final CountDownLatch warmedUp;
        private final HttpLoad.ApiClient api;
        Thread thread;
        final List<List<Long>> times = new ArrayList<>(); // per phase, nanoseconds, counted cycles only
        int done;
        String problem;

        Client(Path socket, String createBody, int warmup, int cycles, CountDownLatch warmedUp) {
            this.api = new HttpLoad.ApiClient(socket);
            this.createBody = createBody.getBytes(StandardCharsets.UTF_8);
            this.warmup = warmup;
            this.cycles = cycles;
            this.warmedUp = warmedUp;
            for (int p = 0; p < PHASES.length; p++) {
                times.add(new ArrayList<>());
            }
        }

        @Override
        public void run() {
            boolean countedDown = false;
            try {
                for (int i = 0; i < warmup; i++) {
                    cycle(false);
                }
                warmedUp.countDown();
                countedDown = true;
                warmedUp.await();
                for (int i = 0; i < cycles; i++) {
                    cycle(true);
                    done++;
                }
            } catch (IOException | RuntimeException | InterruptedException e) {
                problem = e.toString();
            } finally {
                if (!countedDown) {
                    warmedUp.countDown();
                }
                api.close();
            }
        }

        private void cycle(boolean count) throws IOException {
            long t0 = System.nanoTime();
            String id = null;
            try {
                String created = api.call("POST", "/containers/create", createBody, 201);
                Matcher m = ID.matcher(created);
                if (!m.find()) {
                    throw new ProtocolException("no container ID in the answer to create: " + created);
                }
                id = m.group(1);
                long t1 = System.nanoTime();
                api.call("POST", "/containers/" + id + "/start", null, 204);
                long t2 = System.nanoTime();
                String waited = api.call("POST", "/containers/" + id + "/wait?condition=not-running", null, 200);
                Matcher s = STATUS_CODE.matcher(waited);
                if (!s.find() || !s.group(1).equals("0")) {
                    throw new ProtocolException("container " + id + " did not exit 0: " + waited);
                }
                long t3 = System.nanoTime();
                String doomed = id;
                id = null;
                api.call("DELETE", "/containers/" + doomed, null, 204);
                long t4 = System.nanoTime();
                if (count) {
                    times.get(0).add(t1 - t0);
                    times.get(1).add(t2 - t1);
                    times.get(2).add(t3 - t2);
                    times.get(3).add(t4 - t3);
                }
            } catch (IOException | RuntimeException e) {
                if (id != null) {
                    removeQuietly(id);
                }
                throw e;
            }
        }

        private void removeQuietly(String id) {
            try {
                api.close(); // a fresh connection: the old one may be mid-response
                api.call("DELETE", "/containers/" + id + "?force=1", null, 204);
            } catch (IOException | RuntimeException ignored) {
                // the script removes whatever is left before it stops the daemon
            }
        }

    }
}
