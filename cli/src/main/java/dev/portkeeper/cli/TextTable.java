package dev.portkeeper.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A table of aligned columns for the terminal: each column as wide as its widest cell, two
 * spaces between columns. A cell may carry a colour, applied after padding so that escape
 * codes do not upset the alignment.
 */
final class TextTable {
    /** How a column aligns its cells. */
    enum Align { LEFT, RIGHT }

    /** A cell's text and the colour to paint it with (identity for none). */
    record Cell(String text, UnaryOperator<String> paint) {
    }

    private final String indent;
    private final List<String> headers = new ArrayList<>();
    private final List<Align> aligns = new ArrayList<>();
    private final List<List<Cell>> rows = new ArrayList<>();

    TextTable(String indent) {
        this.indent = indent;
    }

    TextTable column(String header, Align align) {
        headers.add(header);
        aligns.add(align);
        return this;
    }

    static Cell cell(String text, UnaryOperator<String> paint) {
        return new Cell(text, paint);
    }

    /** @param cells String or {@link Cell}, one per column */
    TextTable row(Object... cells) {
        if (cells.length != headers.size()) {
            throw new IllegalArgumentException(headers.size() + " columns, " + cells.length + " cells");
        }
        List<Cell> row = new ArrayList<>();
        for (Object c : cells) {
            row.add(c instanceof Cell ? (Cell) c : new Cell(String.valueOf(c), UnaryOperator.identity()));
        }
        rows.add(row);
        return this;
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    /** @param headerPaint how to paint the header line */
    String render(UnaryOperator<String> headerPaint) {
        int[] widths = new int[headers.size()];
        for (int i = 0; i < widths.length; i++) {
            widths[i] = headers.get(i).length();
            for (List<Cell> row : rows) {
                widths[i] = Math.max(widths[i], row.get(i).text().length());
            }
        }
        StringBuilder sb = new StringBuilder();
        List<Cell> header = new ArrayList<>();
        for (String h : headers) {
            header.add(new Cell(h, UnaryOperator.identity()));
        }
        line(sb, header, widths, headerPaint);
        for (List<Cell> row : rows) {
            line(sb, row, widths, UnaryOperator.identity());
        }
        return sb.toString();
    }

    private void line(StringBuilder sb, List<Cell> cells, int[] widths, UnaryOperator<String> linePaint) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            Cell c = cells.get(i);
            boolean last = i == cells.size() - 1;
            int gap = Math.max(0, widths[i] - c.text().length());
            // Paint the text only, not the padding.
            if (aligns.get(i) == Align.RIGHT) {
                line.append(" ".repeat(gap)).append(c.paint().apply(c.text()));
            } else {
                line.append(c.paint().apply(c.text())).append(last ? "" : " ".repeat(gap));
            }
            if (!last) {
                line.append("  ");
            }
        }
        sb.append(indent).append(linePaint.apply(line.toString().stripTrailing())).append('\n');
    }
}
