package dev.portkeeper.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every {@code ```java} snippet of README.md and docs/*.md compiles against the modules, as a user
 * would paste it: its own {@code import} lines on top, the rest as the body of a method (or, where
 * it declares a class, as a member of one). A snippet that cannot compile on its own must say so
 * with a first line {@code // not compiled: <why>}.
 */
class SnippetsCompileTest {
    private static final Pattern SNIPPET = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);

    static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("README.md"))) {
            dir = dir.getParent();
        }
        return dir;
    }

    @TestFactory
    Stream<DynamicTest> everyJavaSnippetCompiles() throws IOException {
        Path root = root();
        List<Path> files = new ArrayList<>();
        files.add(root.resolve("README.md"));
        try (Stream<Path> docs = Files.list(root.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        }
        List<DynamicTest> tests = new ArrayList<>();
        for (Path file : files) {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            Matcher m = SNIPPET.matcher(text);
            int n = 0;
            while (m.find()) {
                n++;
                String snippet = m.group(1);
                int line = 1 + (int) text.substring(0, m.start()).chars().filter(c -> c == '\n').count();
                String name = root.relativize(file) + ":" + line;
                tests.add(DynamicTest.dynamicTest(name, () -> compiles(name, snippet)));
            }
        }
        assertThat(tests).as("snippets found").isNotEmpty();
        return tests.stream();
    }

    private static void compiles(String name, String snippet) {
        if (snippet.strip().startsWith("// not compiled:")) {
            return;
        }
        StringBuilder imports = new StringBuilder();
        StringBuilder body = new StringBuilder();
        for (String line : snippet.split("\n")) {
            (line.startsWith("import ") ? imports : body).append(line).append('\n');
        }
        boolean declaresTypes = Pattern.compile("(?m)^(public |final )*(class|record|interface|enum) ").matcher(body).find();
        String source = imports + "\npublic class Snippet {\n"
                + (declaresTypes ? body : "    void snippet() throws Exception {\n" + body + "\n    }\n") + "}\n";
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        StringWriter out = new StringWriter();
        try (StandardJavaFileManager files = compiler.getStandardFileManager(diagnostics, null, StandardCharsets.UTF_8)) {
            Path outDir = Files.createTempDirectory("snippet");
            JavaFileObject unit = new SimpleJavaFileObject(URI.create("string:///Snippet.java"), JavaFileObject.Kind.SOURCE) {
                @Override
                public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                    return source;
                }
            };
            boolean ok = compiler.getTask(out, files, diagnostics, List.of("-proc:none", "-d", outDir.toString(),
                    "-classpath", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")), "--release", "17"), null, List.of(unit)).call();
            assertThat(ok).as("%s does not compile:%n%s%n%s%n%s", name, diagnostics.getDiagnostics(), out, source).isTrue();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
