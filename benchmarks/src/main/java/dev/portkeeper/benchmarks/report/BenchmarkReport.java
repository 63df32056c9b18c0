package dev.portkeeper.benchmarks.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * Turns the JMH JSON files of one run ({@code benchmarks/run.sh} writes them) into
 * {@code docs/benchmarks.md}, the table of the ratios that matter, and {@code docs/benchmarks.png},
 * a chart of the round-trip throughputs; both name the machine, the JDK and the date.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.portkeeper.benchmarks.report.BenchmarkReport
 * <results dir> <markdown out> <png out> [machine description]}.
 */
public final class BenchmarkReport {
    /** Portkeeper's bars stand out in every panel; short connections are grey; the rest colour-blind safe. */
    private static final Color PORTKEEPER = new Color(0x0072B2);
    private static final Color SHORT = new Color(0x8A8A8A);
    private static final Color[] PEERS = {new Color(0xE69F00), new Color(0x009E73), new Color(0xD55E00),
        new Color(0xCC79A7), new Color(0x8C564B), new Color(0x333333), new Color(0xB8A000)};

    private final List<Result> results;
    private final String machine;
    private final String jdk;
    private final String where;
    private final String nginxVersion;

    /**
     * One benchmark at one thread count: the score is the mean over its {@code iterations}
     * measurement iterations (all forks), an EVENTS secondary counter their sum.
     */
    record Result(String klass, String method, int threads, double score, double error, String unit,
            Map<String, Double> secondary, Map<String, String> params, double iterationSeconds, int iterations) {
        String key() {
            return klass + "." + method;
        }
    }

    BenchmarkReport(List<Result> results, String machine, String jdk, String where, String nginxVersion) {
        this.results = results;
        this.machine = machine;
        this.jdk = jdk;
        this.where = where;
        this.nginxVersion = nginxVersion;
    }

    /** @param args results dir, markdown out, png out, and optionally a machine description */
    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            System.err.println("usage: BenchmarkReport <results dir> <markdown out> <png out> [machine]");
            System.exit(64);
        }
        Path dir = Path.of(args[0]);
        BenchmarkReport report = read(dir, args.length > 3 ? args[3] : describeMachine());
        Files.writeString(Path.of(args[1]), report.markdown(), StandardCharsets.UTF_8);
        report.chart(Path.of(args[2]));
        System.out.println("wrote " + args[1] + " and " + args[2] + " from " + report.results.size() + " results");
    }

    static BenchmarkReport read(Path dir, String machine) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<Result> results = new ArrayList<>();
        String jdk = "?";
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        for (Path f : files) {
            for (JsonNode r : json.readTree(f.toFile())) {
                String benchmark = r.path("benchmark").asText();
                int dot = benchmark.lastIndexOf('.');
                String klass = benchmark.substring(benchmark.lastIndexOf('.', dot - 1) + 1, dot);
                Map<String, Double> secondary = new LinkedHashMap<>();
                r.path("secondaryMetrics").properties().forEach(e -> secondary.put(e.getKey(),
                        e.getValue().path("score").asDouble(Double.NaN)));
                Map<String, String> params = new LinkedHashMap<>();
                r.path("params").properties().forEach(e -> params.put(e.getKey(), e.getValue().asText()));
                JsonNode primary = r.path("primaryMetric");
                results.add(new Result(klass, benchmark.substring(dot + 1), r.path("threads").asInt(),
                        primary.path("score").asDouble(), primary.path("scoreError").asDouble(Double.NaN),
                        primary.path("scoreUnit").asText(), secondary, params,
                        seconds(r.path("measurementTime").asText()), iterations(primary.path("rawData"))));
                jdk = r.path("vmName").asText() + " " + r.path("jdkVersion").asText();
            }
        }
        String where = Files.exists(dir.resolve("WHERE")) ? Files.readString(dir.resolve("WHERE")).strip() : "unknown";
        // run.sh's record of `nginx -v` ("nginx version: nginx/1.22.1"), when HttpGet ran against nginx.
        String nginx = Files.exists(dir.resolve("NGINX"))
                ? Files.readString(dir.resolve("NGINX")).strip().replaceFirst("^nginx version:\\s*", "") : "";
        return new BenchmarkReport(results, machine, jdk, where, nginx);
    }

    /** @return the measurement iterations of all forks: JMH's rawData holds one array of them per fork */
    static int iterations(JsonNode rawData) {
        int n = 0;
        for (JsonNode fork : rawData) {
            n += fork.size();
        }
        return n;
    }

    /** JMH's iteration time, e.g. "2 s" or "100 ms", in seconds; NaN when unknown. */
    static double seconds(String time) {
        String[] parts = time.strip().split("\\s+");
        if (parts.length != 2) {
            return Double.NaN;
        }
        double v = Double.parseDouble(parts[0]);
        return switch (parts[1]) {
            case "s" -> v;
            case "ms" -> v / 1e3;
            case "us" -> v / 1e6;
            case "min" -> v * 60;
            default -> Double.NaN;
        };
    }

    static String describeMachine() {
        String cpu = "?";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("?");
        } catch (IOException | RuntimeException e) {
            // not Linux: leave it unknown
        }
        return Runtime.getRuntime().availableProcessors() + " cores (" + cpu + "), "
                + System.getProperty("os.name") + " " + System.getProperty("os.version");
    }

    Optional<Result> find(String klass, String method, int threads) {
        return results.stream().filter(r -> r.klass.equals(klass) && r.method.equals(method) && r.threads == threads)
                .findFirst();
    }

    private TreeSet<Integer> threads(String klass) {
        TreeSet<Integer> t = new TreeSet<>();
        results.stream().filter(r -> r.klass.equals(klass)).forEach(r -> t.add(r.threads));
        return t;
    }

    private static String num(double v, String format) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, format, v);
    }

    private String ratio(String klass, String a, String b, int t) {
        Optional<Result> x = find(klass, a, t);
        Optional<Result> y = find(klass, b, t);
        return x.isPresent() && y.isPresent() ? num(x.get().score / y.get().score, "%.2f") : "n/a";
    }

    /**
     * TIME_WAIT sockets per 10,000 requests: the kernel's counts (an EVENTS counter: a count per
     * iteration, not a rate, and JMH reports their sum over the iterations) over the requests of
     * those iterations (mean throughput x iteration time x iterations).
     */
    private String timeWaitPer10k(String method, int t) {
        return find("EchoRoundTrip", method, t).map(r -> {
            double tw = r.secondary.getOrDefault("timeWaitCreated", Double.NaN);
            return num(10_000 * tw / (r.score * r.iterationSeconds * r.iterations), "%,.0f");
        }).orElse("n/a");
    }

    /** @return the values of HttpGet's {@code server} parameter in this run, in the order first seen */
    List<String> httpServers() {
        return results.stream().filter(r -> r.klass.equals("HttpGet")).map(r -> r.params.getOrDefault("server", "?"))
                .distinct().toList();
    }

    private static boolean isHttp(Result r, String server) {
        return r.klass.equals("HttpGet") && server.equals(r.params.getOrDefault("server", "?"));
    }

    private Optional<Result> findHttp(String server, String method, int threads) {
        return results.stream().filter(r -> isHttp(r, server) && r.method.equals(method) && r.threads == threads)
                .findFirst();
    }

    private String httpRatio(String server, String a, String b, int t) {
        Optional<Result> x = findHttp(server, a, t);
        Optional<Result> y = findHttp(server, b, t);
        return x.isPresent() && y.isPresent() ? num(x.get().score / y.get().score, "%.2f") : "n/a";
    }

    /** HttpGet's {@code server} parameter in words, with nginx's version when run.sh recorded it. */
    String describeServer(String server) {
        return switch (server) {
            case "nginx" -> (nginxVersion.isEmpty() ? "nginx" : nginxVersion)
                    + " (`worker_processes auto`, `keepalive_timeout 60s`, `keepalive_requests 1000000`, `return 200`)";
            case "jdk" -> "the JDK's `com.sun.net.httpserver` (a fixed pool of handler threads, TCP_NODELAY)";
            case "auto" -> "nginx if it was installed, else the JDK's `com.sun.net.httpserver` (`server=auto`: the run "
                    + "did not record which; `benchmarks/run.sh` passes the one it found)";
            default -> "`" + server + "`";
        };
    }

    String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("# Benchmarks\n\n");
        md.append("Generated by `benchmarks/run.sh` from JMH's JSON in `benchmarks/results/`; do not edit by hand.\n\n");
        md.append("- Machine: ").append(machine).append('\n');
        md.append("- JDK: ").append(jdk).append('\n');
        md.append("- Date: ").append(LocalDate.now()).append('\n');
        md.append("- Where: ").append(where).append("\n\n");
        md.append("Ratios are of two results from the same run. Throughput ratios above 1 favour the first.\n\n");
        if (!threads("EchoRoundTrip").isEmpty()) {
            md.append("## Echo round trip (64 bytes, loopback)\n\n");
            md.append("| threads | pooled / raw | pooled / short | raw / short | commons pool / raw | short linger0 / short |\n");
            md.append("|---|---|---|---|---|---|\n");
            for (int t : threads("EchoRoundTrip")) {
                md.append("| ").append(t).append(" | ").append(ratio("EchoRoundTrip", "pooled", "rawSocket", t))
                        .append(" | ").append(ratio("EchoRoundTrip", "pooled", "shortConnection", t))
                        .append(" | ").append(ratio("EchoRoundTrip", "rawSocket", "shortConnection", t))
                        .append(" | ").append(ratio("EchoRoundTrip", "commonsPoolNaive", "rawSocket", t))
                        .append(" | ").append(ratio("EchoRoundTrip", "shortConnectionLinger0", "shortConnection", t))
                        .append(" |\n");
            }
            md.append("\nTIME_WAIT sockets created per 10,000 requests, counted by the kernel:\n\n");
            md.append("| threads | raw | pooled | commons pool | short | short linger0 |\n|---|---|---|---|---|---|\n");
            for (int t : threads("EchoRoundTrip")) {
                md.append("| ").append(t).append(" | ").append(timeWaitPer10k("rawSocket", t))
                        .append(" | ").append(timeWaitPer10k("pooled", t))
                        .append(" | ").append(timeWaitPer10k("commonsPoolNaive", t))
                        .append(" | ").append(timeWaitPer10k("shortConnection", t))
                        .append(" | ").append(timeWaitPer10k("shortConnectionLinger0", t)).append(" |\n");
            }
            md.append("\nThroughput (requests/s):\n\n");
            table(md, "EchoRoundTrip", "%,.0f");
        }
        List<String> servers = httpServers();
        if (!servers.isEmpty()) {
            md.append("\n## HTTP GET (512-byte body, loopback)\n\n");
            md.append("Every client against the same server, its pool larger than the threads; best peer: the fastest "
                    + "client other than Portkeeper and `shortConnection`.\n");
            for (String server : servers) {
                md.append("\nServer: ").append(describeServer(server)).append(".\n\n");
                md.append("| threads | Portkeeper / HttpClient 5 pool | Portkeeper / HttpClient 5 pool, LAX"
                        + " | Portkeeper / best peer | best peer | Portkeeper / short |\n|---|---|---|---|---|---|\n");
                for (int t : threads("HttpGet")) {
                    Optional<Result> ours = findHttp(server, "portkeeper", t);
                    Optional<Result> best = results.stream().filter(r -> isHttp(r, server) && r.threads == t
                            && !r.method.equals("portkeeper") && !r.method.equals("shortConnection"))
                            .max((a, b) -> Double.compare(a.score, b.score));
                    if (ours.isEmpty() && best.isEmpty()) {
                        continue;
                    }
                    md.append("| ").append(t)
                            .append(" | ").append(httpRatio(server, "portkeeper", "httpClient5Pooling", t))
                            .append(" | ").append(httpRatio(server, "portkeeper", "httpClient5PoolingLax", t))
                            .append(" | ").append(ours.isPresent() && best.isPresent()
                                    ? num(ours.get().score / best.get().score, "%.2f") : "n/a")
                            .append(" | ").append(best.map(r -> "`" + r.method + "`").orElse("n/a"))
                            .append(" | ").append(httpRatio(server, "portkeeper", "shortConnection", t))
                            .append(" |\n");
                }
                md.append("\nThroughput (requests/s):\n\n");
                table(md, "HttpGet", "%,.0f", r -> server.equals(r.params.getOrDefault("server", "?")));
            }
        }
        if (!threads("BorrowReturn").isEmpty()) {
            md.append("\n## Borrow and return (pool overhead alone)\n\n");
            if (threads("BorrowReturn").stream().anyMatch(t -> find("BorrowReturn", "checkAlone", t).isPresent())) {
                md.append("The check's system calls alone (`checkAlone`) against the whole borrow and return:\n\n");
                md.append("| threads | checkAlone / borrowAndReturn |\n|---|---|\n");
                for (int t : threads("BorrowReturn")) {
                    md.append("| ").append(t).append(" | ").append(ratio("BorrowReturn", "checkAlone", "borrowAndReturn", t))
                            .append(" |\n");
                }
                md.append("\n");
            }
            table(md, "BorrowReturn", "%,.0f ns");
        }
        if (!threads("TcpTableParseBenchmark").isEmpty()) {
            md.append("\n## Procfs scan (20,000 sockets)\n\n");
            int t = threads("TcpTableParseBenchmark").first();
            md.append("parse / read: ").append(ratio("TcpTableParseBenchmark", "parse", "readBytes", t)).append("\n\n");
            table(md, "TcpTableParseBenchmark", "%,.3f");
        }
        return md.toString();
    }

    private void table(StringBuilder md, String klass, String format) {
        table(md, klass, format, r -> true);
    }

    private void table(StringBuilder md, String klass, String format, Predicate<Result> which) {
        TreeSet<Integer> ts = threads(klass);
        md.append("| benchmark |");
        ts.forEach(t -> md.append(' ').append(t).append(t == 1 ? " thread |" : " threads |"));
        md.append("\n|---|");
        ts.forEach(t -> md.append("---|"));
        md.append('\n');
        results.stream().filter(r -> r.klass.equals(klass) && which.test(r)).map(Result::method).distinct().forEach(m -> {
            md.append("| `").append(m).append("` |");
            for (int t : ts) {
                md.append(' ').append(results.stream()
                        .filter(r -> r.klass.equals(klass) && r.method.equals(m) && r.threads == t && which.test(r))
                        .findFirst().map(r -> num(r.score, format)).orElse("")).append(" |");
            }
            md.append('\n');
        });
        results.stream().filter(r -> r.klass.equals(klass)).findFirst()
                .ifPresent(r -> md.append("\n(unit: ").append(r.unit).append(")\n"));
    }

    /**
     * One panel per kind of round trip, each with its own scale: the echo (64 bytes) and, per
     * server, the HTTP GET; bars by thread count.
     */
    void chart(Path png) throws IOException {
        List<JFreeChart> panels = new ArrayList<>();
        DefaultCategoryDataset echo = dataset(r -> r.klass.equals("EchoRoundTrip"));
        if (echo.getRowCount() > 0 || httpServers().isEmpty()) {
            panels.add(panel("Echo round trip, 64 bytes: requests/s", echo));
        }
        for (String server : httpServers()) {
            String name = switch (server) {
                case "nginx" -> nginxVersion.isEmpty() ? "nginx" : nginxVersion;
                case "jdk" -> "the JDK's HttpServer";
                default -> "server=" + server;
            };
            panels.add(panel("HTTP GET, 512-byte body, " + name + ": requests/s", dataset(r -> isHttp(r, server))));
        }
        TextTitle header = new TextTitle("Loopback round trips; " + machine + "; " + jdk + "; " + LocalDate.now());
        header.setFont(header.getFont().deriveFont(12f));
        panels.get(0).addSubtitle(0, header);
        int width = 1200;
        int height = 560;
        BufferedImage image = new BufferedImage(width, height * panels.size(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setPaint(Color.WHITE);
            g.fillRect(0, 0, image.getWidth(), image.getHeight());
            for (int i = 0; i < panels.size(); i++) {
                panels.get(i).draw(g, new Rectangle2D.Double(0, i * height, width, height));
            }
        } finally {
            g.dispose();
        }
        try (OutputStream out = Files.newOutputStream(png)) {
            ChartUtils.writeBufferedImageAsPNG(out, image);
        }
    }

    private DefaultCategoryDataset dataset(Predicate<Result> which) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (Result r : results) {
            if (which.test(r)) {
                data.addValue(r.score, r.method, r.threads + (r.threads == 1 ? " thread" : " threads"));
            }
        }
        return data;
    }

    private static JFreeChart panel(String title, DefaultCategoryDataset data) {
        JFreeChart chart = ChartFactory.createBarChart(title, null, "requests/s", data, PlotOrientation.VERTICAL,
                true, false, false);
        chart.getTitle().setFont(chart.getTitle().getFont().deriveFont(14f));
        chart.setBackgroundPaint(Color.WHITE);
        CategoryPlot plot = chart.getCategoryPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        BarRenderer renderer = (BarRenderer) plot.getRenderer();
        int peer = 0;
        for (int i = 0; i < data.getRowCount(); i++) {
            String method = data.getRowKey(i).toString();
            renderer.setSeriesPaint(i, switch (method) {
                case "pooled", "portkeeper" -> PORTKEEPER;
                case "shortConnection" -> SHORT;
                case "shortConnectionLinger0" -> SHORT.brighter();
                default -> PEERS[peer++ % PEERS.length];
            });
        }
        renderer.setShadowVisible(false);
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setItemMargin(0.05);
        return chart;
    }
}
