package dev.portkeeper.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portkeeper.advice.Finding;
import dev.portkeeper.advice.Severity;
import dev.portkeeper.budget.BudgetLevel;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

/** The small pieces the output is made of: JSON, tables, addresses, durations. */
class OutputFormatTest {

    @Test
    void jsonEscapesKeepsOrderAndHasNoNaN() {
        ObjectNode m = ReportJson.MAPPER.createObjectNode();
        m.put("b", "quote \" backslash \\ newline \n tab \t bell \u0007");
        m.putArray("a").add(1).add(ReportJson.number(2.5, 10)).add(ReportJson.number(3.0, 10)).addNull().add(true)
                .add(ReportJson.number(Double.NaN, 10)).add(ReportJson.number(Double.POSITIVE_INFINITY, 10));
        m.putNull("n");
        m.putObject("o");
        String json = ReportJson.write(m);
        assertThat(json).doesNotContain("\n", "NaN", "Infinity").startsWith("{\"b\":").contains("\\u0007");
        Map<String, Object> back = JsonTree.object(json);
        assertThat(back.keySet()).containsExactly("b", "a", "n", "o");
        assertThat(back.get("b")).isEqualTo("quote \" backslash \\ newline \n tab \t bell \u0007");
        assertThat(back.get("a")).isEqualTo(Arrays.asList(BigDecimal.ONE, new BigDecimal("2.5"), new BigDecimal(3), null,
                true, null, null));
        assertThat(back.get("n")).isNull();
        assertThat(back.get("o")).isEqualTo(Map.of());
        assertThat(ReportJson.number(1.2345, 100)).hasToString("1.23");
        assertThatThrownBy(() -> JsonTree.parse("{\"a\":1} x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void tablesAlignAndPaintOnlyTheText() {
        String text = new TextTable("  ").column("NAME", TextTable.Align.LEFT).column("COUNT", TextTable.Align.RIGHT)
                .column("NOTE", TextTable.Align.LEFT)
                .row("short", "2,000", "x").row(TextTable.cell("pooled", s -> "<" + s + ">"), "4", "")
                .render(s -> s);
        assertThat(text).isEqualTo(""
                + "  NAME    COUNT  NOTE\n"
                + "  short   2,000  x\n"
                + "  <pooled>      4\n");
    }

    @Test
    void addressesAsSsPrintsThem() throws Exception {
        assertThat(Texts.address(InetAddress.getByName("127.0.0.1"))).isEqualTo("127.0.0.1");
        assertThat(Texts.address(InetAddress.getByName("::1"))).isEqualTo("::1");
        assertThat(Texts.address(InetAddress.getByName("2001:db8:0:0:1:0:0:1"))).isEqualTo("2001:db8::1:0:0:1");
        assertThat(Texts.address(InetAddress.getByName("fe80:0:0:0:0:0:0:0"))).isEqualTo("fe80::");
        assertThat(Texts.address(InetAddress.getByName("1:0:2:0:3:0:4:0"))).isEqualTo("1:0:2:0:3:0:4:0");
    }

    @Test
    void wrappingKeepsWordsAndIndents() {
        assertThat(Texts.wrap("one two three four", 12, "> ", "  ")).isEqualTo("> one two\n  three four\n");
        assertThat(Texts.wrap("unbreakablewordlongerthanwidth x", 10, "", "")).isEqualTo("unbreakablewordlongerthanwidth\nx\n");
        assertThat(Texts.firstSentence("Level WARN for 10.0.0.1:80: 5 of 10. Do this.")).isEqualTo("Level WARN for 10.0.0.1:80: 5 of 10.");
        assertThat(Texts.seconds(7875)).isEqualTo("2 h 11 min");
        assertThat(Texts.seconds(42.4)).isEqualTo("42 s");
        assertThat(Texts.duration(Duration.ofMillis(250))).isEqualTo("250 ms");
        assertThat(Texts.duration(Duration.ofSeconds(120))).isEqualTo("2 min");
    }

    @Test
    void durationsAsPeopleWriteThem() {
        DurationConverter c = new DurationConverter();
        assertThat(c.convert("500ms").value()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.convert("1s").value()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.convert("1.5s").value()).isEqualTo(Duration.ofMillis(1500));
        assertThat(c.convert("2m").value()).isEqualTo(Duration.ofMinutes(2));
        assertThat(c.convert("2min").value()).isEqualTo(Duration.ofMinutes(2));
        assertThat(c.convert("1h").value()).isEqualTo(Duration.ofHours(1));
        assertThat(c.convert("10ms")).as("repeats what was typed").hasToString("10ms");
        assertThatThrownBy(() -> c.convert("2")).isInstanceOf(TypeConversionException.class)
                .hasMessage("'2' has no unit: write " + DurationConverter.FORMS);
        assertThatThrownBy(() -> c.convert("PT0.25S")).isInstanceOf(TypeConversionException.class)
                .hasMessageStartingWith("'PT0.25S' is not a duration");
        assertThatThrownBy(() -> c.convert("soon")).isInstanceOf(TypeConversionException.class)
                .hasMessageContaining("500ms");
    }

    @Test
    void verdictIsTheWorstOfBudgetAndAdvice() {
        Finding warn = new Finding("w", Severity.WARN, "seen", "change", "why", "caveat");
        Finding info = new Finding("i", Severity.INFO, "seen", "change", "why", "caveat");
        Finding critical = new Finding("c", Severity.CRITICAL, "seen", "change", "why", "caveat");
        assertThat(Verdict.of(BudgetLevel.OK)).isEqualTo(Verdict.OK);
        assertThat(Verdict.of(BudgetLevel.WARN)).isEqualTo(Verdict.WARN);
        assertThat(Verdict.of(BudgetLevel.CRITICAL)).isEqualTo(Verdict.CRITICAL);
        assertThat(Verdict.of(BudgetLevel.EXHAUSTED)).isEqualTo(Verdict.CRITICAL);
        assertThat(Verdict.of(List.of())).isEqualTo(Verdict.OK);
        assertThat(Verdict.of(List.of(info))).isEqualTo(Verdict.OK);
        assertThat(Verdict.of(List.of(info, warn))).isEqualTo(Verdict.WARN);
        assertThat(Verdict.of(List.of(critical, warn))).isEqualTo(Verdict.CRITICAL);
        assertThat(List.of(Verdict.OK, Verdict.WARN, Verdict.CRITICAL, Verdict.UNKNOWN))
                .extracting(Verdict::exitStatus).containsExactly(0, 1, 2, 3);
        assertThat(ExitStatus.TABLE.keySet()).extracting(String::strip)
                .containsExactly("0", "1", "2", "3", "64", "130");
    }
}
