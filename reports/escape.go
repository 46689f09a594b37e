package reports

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
)

// Scenario strings (names, descriptions, flow names) come from untrusted
// files and end up on terminals and in spreadsheets (issue 13).

// NewTerminalWriter returns a writer that passes text to w with control
// characters escaped: ESC, BEL, backspace, carriage return and the other
// C0 controls (but newline and tab), DEL, and the C1 controls U+0080-U+009F
// (CSI among them) are written as \xNN or \u00NN, so a scenario's strings
// cannot move the cursor, clear the screen or retitle the window.
func NewTerminalWriter(w io.Writer) io.Writer { return &terminalWriter{w: w} }

type terminalWriter struct {
	w   io.Writer
	buf []byte
}

func (t *terminalWriter) Write(p []byte) (int, error) {
	t.buf = t.buf[:0]
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\n' || c == '\t':
			t.buf = append(t.buf, c)
		case c < 0x20 || c == 0x7f:
			t.buf = fmt.Appendf(t.buf, `\x%02x`, c)
		case c == 0xc2 && i+1 < len(p) && p[i+1] >= 0x80 && p[i+1] <= 0x9f:
			t.buf = fmt.Appendf(t.buf, `\u%04x`, rune(p[i+1]))
			i++
		default:
			t.buf = append(t.buf, c)
		}
	}
	if _, err := t.w.Write(t.buf); err != nil {
		return 0, err
	}
	return len(p), nil
}

// CSVWriter is a csv.Writer whose cells cannot be formulas: a cell that
// starts with = + - @ (or tab or carriage return) and is not a number is
// written with a leading apostrophe, as OWASP advises against CSV
// injection, so a spreadsheet shows it as text instead of running it.
type CSVWriter struct{ *csv.Writer }

// NewCSVWriter returns a CSVWriter writing to w.
func NewCSVWriter(w io.Writer) CSVWriter { return CSVWriter{csv.NewWriter(w)} }

// Write writes one row with each cell neutralised (see CSVWriter).
func (c CSVWriter) Write(row []string) error {
	safe := row
	for i, cell := range row {
		if n := CSVCell(cell); n != cell {
			if &safe[0] == &row[0] {
				safe = append([]string(nil), row...)
			}
			safe[i] = n
		}
	}
	return c.Writer.Write(safe)
}

// CSVCell neutralises one cell (see CSVWriter); numbers such as -1.5 stay.
func CSVCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return s
		}
		return "'" + s
	}
	return s
}
