package dev.portkeeper.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

/** The small pieces the output is made of: JSON, tables, addresses, durations. */
class OutputFormatTest {

    @Test
    void jsonEscapesAndKeepsOrder() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("b", "quote \" backslash \\ newline \n tab \t bell \u0007");
        m.put("a", Arrays.asList(1, 2.5, 3.0, null, true, Double.NaN));
        m.put("n", null);
        m.put("o", Map.of());
        String json = Json.write(m);
        assertThat(json).isEqualTo("{\"b\":\"quote \\\" backslash \\\\ newline \\n tab \\t bell \\u0007\","
                + "\"a\":[1,2.5,3,null,true,null],\"n\":null,\"o\":{}}");
        assertThat(MiniJson.parse(json)).isInstanceOf(Map.class);
        assertThatThrownBy(() -> Json.write(List.of(new Object()))).isInstanceOf(IllegalArgumentException.class);
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
        assertThat(c.convert("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(c.convert("1s")).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.convert("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(c.convert("2")).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.convert("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(c.convert("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(c.convert("PT0.25S")).isEqualTo(Duration.ofMillis(250));
        assertThatThrownBy(() -> c.convert("soon")).isInstanceOf(TypeConversionException.class)
                .hasMessageContaining("500ms");
    }

    @Test
    void exitStatusesOfMonitoringPlugins() {
        assertThat(ExitStatus.of(dev.portkeeper.budget.BudgetLevel.OK)).isZero();
        assertThat(ExitStatus.of(dev.portkeeper.budget.BudgetLevel.WARN)).isEqualTo(1);
        assertThat(ExitStatus.of(dev.portkeeper.budget.BudgetLevel.CRITICAL)).isEqualTo(2);
        assertThat(ExitStatus.of(dev.portkeeper.budget.BudgetLevel.EXHAUSTED)).isEqualTo(2);
    }
}
