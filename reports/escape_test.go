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
