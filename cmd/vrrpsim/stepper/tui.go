package stepper

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

// TUI is the terminal screen of `vrrpsim step`: a thin layer over Exec.
// Every key runs a command of the scripted interpreter, so what the
// screen shows is what a script prints.
type TUI struct {
	s      *Stepper
	title  string
	width  int
	height int
	out    string // output of the last command (a view, an event, an error)
	err    bool
	input  textinput.Model
	typing bool
}

// keyCommands maps single keys to interpreter commands.
var keyCommands = map[string]string{
	"n": "next", "right": "next", " ": "next",
	"N": "next 10",
	"b": "back", "left": "back",
	"B": "back 10",
	"s": "until state",
	"a": "until action",
	"f": "until frame",
	"c": "continue",
	"v": "show vrrp",
	"i": "show interfaces",
	"x": "frame",
	"e": "events 20",
	"w": "where",
	"?": "help",
}

// tuiKeys is the key line at the bottom of the screen.
const tuiKeys = "n/→ next  b/← back  N/B ×10  s state  a action  f frame  c continue  v vrrp  i ifaces  x bytes  : cmd  ? help  q quit"

// NewTUI returns the screen model for s; title names the scenario.
func NewTUI(s *Stepper, title string) *TUI {
	in := textinput.New()
	in.Prompt = ": "
	in.Placeholder = "show arp h1, until r2 master, back 3, filter vrid 51..."
	return &TUI{s: s, title: title, width: 100, height: 30, input: in, out: s.EventText(s.Current())}
}

// Init implements tea.Model.
func (t *TUI) Init() tea.Cmd { return nil }

// Update implements tea.Model.
func (t *TUI) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch m := msg.(type) {
	case tea.WindowSizeMsg:
		t.width, t.height = m.Width, m.Height
	case tea.KeyMsg:
		if t.typing {
			switch m.Type {
			case tea.KeyEnter:
				t.typing = false
				t.input.Blur()
				line := t.input.Value()
				t.input.SetValue("")
				if cmd := t.run(line); cmd != nil {
					return t, cmd
				}
			case tea.KeyEsc:
				t.typing = false
				t.input.Blur()
				t.input.SetValue("")
			default:
				var cmd tea.Cmd
				t.input, cmd = t.input.Update(msg)
				return t, cmd
			}
			return t, nil
		}
		if m.Type == tea.KeyRunes && len(m.Runes) > 1 && m.Runes[0] == ':' {
			// ':' and what follows arrived in one read (typed fast or
			// pasted): open the prompt with the rest in it.
			t.typing = true
			t.input.SetValue(string(m.Runes[1:]))
			t.input.CursorEnd()
			return t, t.input.Focus()
		}
		k := m.String()
		switch k {
		case "q", "ctrl+c":
			return t, tea.Quit
		case ":":
			t.typing = true
			return t, t.input.Focus()
		}
		if c, ok := keyCommands[k]; ok {
			t.run(c)
		}
	}
	return t, nil
}

// run executes one command line and keeps its output for the screen.
func (t *TUI) run(line string) tea.Cmd {
	if f := strings.Fields(line); len(f) > 0 && (f[0] == "quit" || f[0] == "exit") {
		return tea.Quit
	}
	out, err := t.s.Exec(line)
	t.err = err != nil
	if err != nil {
		out = err.Error()
	}
	t.out = out
	return nil
}

var (
	styleTitle   = lipgloss.NewStyle().Bold(true).Reverse(true)
	styleCurrent = lipgloss.NewStyle().Bold(true)
	styleError   = lipgloss.NewStyle().Foreground(lipgloss.Color("1"))
	styleKeys    = lipgloss.NewStyle().Faint(true)
)

// View implements tea.Model: title and position, the recent events (the
// current one marked), the last command's output, the key line.
func (t *TUI) View() string {
	head := []string{styleTitle.Render(clip(" vrrpsim step "+t.title+" ", t.width)), clip(t.s.Where(), t.width)}
	if t.s.filter != nil {
		head = append(head, clip(t.s.FilterText(), t.width))
	}
	if bs := t.s.Breaks(); len(bs) > 0 {
		head = append(head, clip("breakpoints: "+strings.Join(bs, "; "), t.width))
	}
	var list []string
	for _, e := range t.s.History(histLen) {
		if l, ok := t.s.EventLine(e); ok {
			mark := "  "
			if e.N == t.s.N() {
				mark = "> "
			}
			list = append(list, clip(mark+l, t.width))
		}
	}
	if n := max(3, t.height/3); len(list) > n {
		list = list[len(list)-n:]
	}
	if k := len(list) - 1; k >= 0 && strings.HasPrefix(list[k], "> ") {
		list[k] = styleCurrent.Render(list[k])
	}
	// What is left between the list's rule and the key line.
	room := max(3, t.height-len(head)-len(list)-2)
	out := strings.Split(strings.TrimRight(t.out, "\n"), "\n")
	if len(out) > room {
		out = append(out[:room-1], "… ("+strconv.Itoa(len(out)-room+1)+" more lines: run it in --script mode to see all)")
	}
	for i, l := range out {
		out[i] = clip(l, t.width)
		if t.err {
			out[i] = styleError.Render(out[i])
		}
	}
	foot := styleKeys.Render(clip(tuiKeys, t.width))
	if t.typing {
		foot = t.input.View()
	}
	// No newline after the last line: the renderer would scroll the
	// title off a full screen.
	var all []string
	for _, part := range [][]string{head, list, {strings.Repeat("─", max(1, min(t.width, 80)))}, out, {foot}} {
		all = append(all, part...)
	}
	return strings.Join(all, "\n")
}

// clip cuts a line to the screen width.
func clip(s string, w int) string {
	if w <= 0 || len(s) <= w {
		return s
	}
	r := []rune(s)
	if len(r) <= w {
		return s
	}
	return string(r[:w])
}
