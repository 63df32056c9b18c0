package dev.portkeeper.benchmarks.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report's arithmetic on JMH JSON written by hand. */
class BenchmarkReportTest {

    private static String result(String benchmark, int threads, String rawData, String secondary, String params) {
        return """
                {"benchmark": "dev.portkeeper.benchmarks.%s", "threads": %d, "measurementTime": "2 s",
                 "jdkVersion": "17", "vmName": "Test VM", "params": {%s},
                 "primaryMetric": {"score": %s, "scoreError": 0, "scoreUnit": "ops/s", "rawData": %s},
                 "secondaryMetrics": {%s}}
                """.formatted(benchmark, threads, params, mean(rawData), rawData, secondary);
    }

    private static double mean(String rawData) {
        double sum = 0;
        int n = 0;
        for (String v : rawData.replaceAll("[\\[\\]\\s]", "").split(",")) {
            sum += Double.parseDouble(v);
            n++;
        }
        return sum / n;
    }

    @Test
    void timeWaitPer10kDividesTheSumOverIterationsByTheRequestsOfAllIterations(@TempDir Path dir) throws Exception {
        // 3 iterations of 2 s at 1,000/s = 6,000 requests; JMH sums the EVENTS counter: 6,000 TIME_WAIT in all.
        Files.writeString(dir.resolve("echo.json"), "[" + result("EchoRoundTrip.shortConnection", 1,
                "[[1000, 1000, 1000]]", "\"timeWaitCreated\": {\"score\": 6000}", "") + ","
                + result("EchoRoundTrip.pooled", 1, "[[5000, 5000], [5000]]", "\"timeWaitCreated\": {\"score\": 3}", "")
                + "]");
        String md = BenchmarkReport.read(dir, "m").markdown();
        // pooled: 3 over 3 x 2 s x 5,000/s = 30,000 requests: 1 per 10,000.
        assertThat(md).contains("| 1 | n/a | 1 | n/a | 10,000 | n/a |");
    }

    @Test
    void httpTableComparesPortkeeperWithHttpClientsPoolAndTheBestPeerOfTheSameServer(@TempDir Path dir)
            throws Exception {
        String nginx = "\"server\": \"nginx\"";
        Files.writeString(dir.resolve("http.json"), "["
                + result("HttpGet.portkeeper", 4, "[[1200]]", "", nginx) + ","
                + result("HttpGet.httpClient5Pooling", 4, "[[1000]]", "", nginx) + ","
                + result("HttpGet.httpClient5PoolingLax", 4, "[[800]]", "", nginx) + ","
                + result("HttpGet.okHttp", 4, "[[1500]]", "", nginx) + ","
                + result("HttpGet.shortConnection", 4, "[[400]]", "", nginx) + ","
                + result("HttpGet.okHttp", 4, "[[9000]]", "", "\"server\": \"jdk\"") + "]");
        Files.writeString(dir.resolve("NGINX"), "nginx version: nginx/1.22.1\n");
        String md = BenchmarkReport.read(dir, "m").markdown();
        assertThat(md).contains("Server: nginx/1.22.1 (")
                .contains("| 4 | 1.20 | 1.50 | 0.80 | `okHttp` | 3.00 |")
                .contains("Server: the JDK's `com.sun.net.httpserver`");
    }
}
