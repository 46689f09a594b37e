package reports

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
)

// Issue 13 item 9: control characters from scenario strings reach the
// terminal escaped; CSV cells that a spreadsheet would run as formulas are
// neutralised, numbers are not.
func TestTerminalWriterEscapesControls(t *testing.T) {
	var b bytes.Buffer
	w := NewTerminalWriter(&b)
	in := "name: r1\x1b[2J\x07 ok\tcol\r\n\u009b31m\x7f é\n"
	if _, err := w.Write([]byte(in)); err != nil {
		t.Fatal(err)
	}
	want := `name: r1\x1b[2J\x07 ok` + "\tcol" + `\x0d` + "\n" + `\u009b31m\x7f é` + "\n"
	if got := b.String(); got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestCSVWriterNeutralisesFormulas(t *testing.T) {
	var b bytes.Buffer
	w := NewCSVWriter(&b)
	row := []string{"=cmd|' /C calc'!A0", "+1+1", "-2", "-1.5", "@SUM(A1)", "\tx", "h1/ping-1", "", "1e9"}
	w.Write(row)
	w.Flush()
	got, err := csv.NewReader(strings.NewReader(b.String())).Read()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"'=cmd|' /C calc'!A0", "'+1+1", "-2", "-1.5", "'@SUM(A1)", "'\tx", "h1/ping-1", "", "1e9"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("cell %d: got %q, want %q", i, got[i], want[i])
		}
	}
	if row[0] != "=cmd|' /C calc'!A0" {
		t.Errorf("the caller's row was modified")
	}
}

// FuzzTerminalWriter: whatever a scenario string holds, what reaches the
// terminal has no control character but newline and tab.
func FuzzTerminalWriter(f *testing.F) {
	f.Add("evil\x1b[2J\x07\r\u009b")
	f.Fuzz(func(t *testing.T, s string) {
		var b bytes.Buffer
		NewTerminalWriter(&b).Write([]byte(s))
		for _, r := range b.String() {
			if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || (r >= 0x80 && r <= 0x9f) {
				t.Fatalf("control %U in output %q", r, b.String())
			}
		}
	})
}
