package dev.portkeeper.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portkeeper.benchmarks.report.BenchmarkReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Every benchmark runs once for a moment, in this JVM, so that none of them rots between the
 * measured runs of {@code benchmarks/run.sh}. A smoke run, not a measurement: nothing here looks at
 * the scores but that there are some.
 */
class BenchmarksSmokeTest {

    @Test
    void everyBenchmarkRunsOnceAndTheReportIsDrawnFromItsJson(@TempDir Path dir) throws Exception {
        // What HttpGet's forks set; here, in this JVM, before the JDK's server classes load.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        // A smoke run measures nothing: another JMH run on the machine (a developer's) must not fail the build.
        System.setProperty("jmh.ignoreLock", "true");
        Options options = new OptionsBuilder()
                .include("dev\\.portkeeper\\.benchmarks\\.(EchoRoundTrip|BorrowReturn|TcpTableParseBenchmark|HttpGet)\\..*")
                // HttpGet against both servers: nginx where installed (auto), and the JDK's fallback.
                .param("server", "auto", "jdk")
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(100))
                .threads(2)
                .shouldFailOnError(true)
                .resultFormat(ResultFormatType.JSON)
                .result(dir.resolve("smoke.json").toString())
                .build();
        Collection<RunResult> results = new Runner(options).run();
        assertThat(results).extracting(r -> r.getParams().getBenchmark().replaceAll(".*\\.(\\w+\\.\\w+)$", "$1"))
                .contains("EchoRoundTrip.rawSocket", "EchoRoundTrip.pooled", "EchoRoundTrip.commonsPoolNaive",
                        "EchoRoundTrip.shortConnection", "EchoRoundTrip.shortConnectionLinger0",
                        "BorrowReturn.borrowAndReturn", "BorrowReturn.checkAlone", "BorrowReturn.commonsPoolFloor",
                        "BorrowReturn.commonsPoolWithCheck", "BorrowReturn.connectAndClose",
                        "HttpGet.portkeeper", "HttpGet.httpClient5Pooling", "HttpGet.httpClient5PoolingLax",
                        "HttpGet.okHttp", "HttpGet.jdkHttpClient", "HttpGet.httpUrlConnection",
                        "HttpGet.shortConnection");
        assertThat(results.stream().filter(r -> r.getParams().getBenchmark().contains(".HttpGet."))
                .map(r -> r.getParams().getParam("server")).distinct()).containsExactlyInAnyOrder("auto", "jdk");
        assertThat(results).allSatisfy(r -> assertThat(r.getPrimaryResult().getScore()).isPositive());

        Files.writeString(dir.resolve("WHERE"), "smoke run, in this JVM");
        Path md = dir.resolve("benchmarks.md");
        Path png = dir.resolve("benchmarks.png");
        BenchmarkReport.main(new String[] {dir.toString(), md.toString(), png.toString(), "test machine"});
        assertThat(Files.readString(md)).contains("Machine: test machine").contains("| 2 | ")
                .contains("pooled / raw").contains("TIME_WAIT sockets created per 10,000 requests")
                .contains("`borrowAndReturn`").contains("parse / read")
                .contains("Portkeeper / HttpClient 5 pool").contains("Server: the JDK's `com.sun.net.httpserver`");
        assertThat(Files.size(png)).isPositive();
    }
}
