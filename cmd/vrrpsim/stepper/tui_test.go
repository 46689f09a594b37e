package stepper

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

func key(s string) tea.KeyMsg {
	switch s {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "left":
		return tea.KeyMsg{Type: tea.KeyLeft}
	case "right":
		return tea.KeyMsg{Type: tea.KeyRight}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
}

// press sends keys to the model as the bubbletea runtime would.
func press(t *TUI, keys ...string) tea.Cmd {
	var cmd tea.Cmd
	for _, k := range keys {
		_, cmd = t.Update(key(k))
	}
	return cmd
}

// typeLine types a command after ':' and presses enter.
func typeLine(t *TUI, line string) {
	press(t, ":")
	for _, r := range line {
		press(t, string(r))
	}
	press(t, "enter")
}

// TestTUIKeysDriveTheInterpreter drives the screen with key messages and
// checks what View shows, without a terminal.
func TestTUIKeysDriveTheInterpreter(t *testing.T) {
	s := newStepper(t, "master-crash", 0)
	m := NewTUI(s, "master-crash")
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 40})
	if v := m.View(); !strings.Contains(v, "vrrpsim step master-crash") || !strings.Contains(v, "at event #0") {
		t.Fatalf("first screen:\n%s", v)
	}
	press(m, "n")
	if v := m.View(); !strings.Contains(v, "at event #1 ") || !strings.Contains(v, "> #1 ") || !strings.Contains(v, "r1 VI_1 BACKUP -> MASTER") {
		t.Errorf("after n:\n%s", v)
	}
	press(m, "right", "right")
	if s.N() != 3 {
		t.Errorf("after n, →, →: at event %d, want 3", s.N())
	}
	press(m, "left")
	if s.N() != 2 {
		t.Errorf("after ←: at event %d, want 2", s.N())
	}
	typeLine(m, "until r2 master")
	if v := m.View(); !strings.Contains(v, "stopped: r2 master") || !strings.Contains(v, "r2 VI_1 BACKUP -> MASTER") {
		t.Errorf("after :until r2 master:\n%s", v)
	}
	typeLine(m, "break h1 loses")
	typeLine(m, "filter vrrp or action")
	if v := m.View(); !strings.Contains(v, "breakpoints: 1: h1 loses") || !strings.Contains(v, "filter: vrrp or action") {
		t.Errorf("breakpoints and filter are not on the screen:\n%s", v)
	}
	press(m, "v")
	if v := m.View(); !strings.Contains(v, "r2 VRRP Instance = VI_1") || !strings.Contains(v, "State = MASTER") {
		t.Errorf("after v:\n%s", v)
	}
	typeLine(m, "show arp h9")
	if v := m.View(); !strings.Contains(v, `no node "h9"`) {
		t.Errorf("an error is not shown:\n%s", v)
	}
	// ':' and a command arriving in one read (a paste) open the prompt.
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(":back 2")})
	press(m, "enter")
	if !strings.Contains(m.View(), "#1023 ") {
		t.Errorf("after a pasted ':back 2':\n%s", m.View())
	}
	// Esc abandons a half-typed command.
	press(m, ":", "b", "esc")
	if m.typing || m.input.Value() != "" {
		t.Errorf("esc left typing=%v value %q", m.typing, m.input.Value())
	}
	if cmd := press(m, "q"); cmd == nil {
		t.Fatal("q returned no command")
	} else if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Errorf("q did not quit")
	}
}

// TestTUIViewFitsTheScreen: no line is wider than the terminal and the
// output is cut to the lines that fit.
func TestTUIViewFitsTheScreen(t *testing.T) {
	s := newStepper(t, "master-crash", 0)
	m := NewTUI(s, "master-crash")
	m.Update(tea.WindowSizeMsg{Width: 60, Height: 20})
	press(m, "N", "N")
	typeLine(m, "break r2 master")
	typeLine(m, "filter not icmp")
	typeLine(m, "show vrrp")
	v := m.View()
	if strings.HasSuffix(v, "\n") {
		t.Error("the view ends with a newline: a full screen would scroll its title away")
	}
	lines := strings.Split(v, "\n")
	if len(lines) > 20 {
		t.Errorf("%d lines on a 20-line screen:\n%s", len(lines), v)
	}
	if !strings.Contains(v, "more lines") {
		t.Errorf("a cut view does not say so:\n%s", v)
	}
	for _, l := range lines {
		if w := len([]rune(stripANSI(l))); w > 60 {
			t.Errorf("line of %d columns on a 60-column screen: %q", w, l)
		}
	}
}

// stripANSI removes SGR sequences (lipgloss styles).
func stripANSI(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b {
			for i < len(s) && s[i] != 'm' {
				i++
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
