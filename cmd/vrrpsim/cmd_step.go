package main

import (
	"bufio"
	"fmt"
	"io"
	"os"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/vrrpsim/vrrpsim/cmd/vrrpsim/stepper"
	"github.com/vrrpsim/vrrpsim/sim"
)

const stepUsage = `usage: vrrpsim step SCENARIO [--at TIME] [--script 'CMD; CMD...' | --script-file FILE]

Steps through a run one event at a time, shows the state of every node at
the current instant, and goes back in time (by re-running the same seed).
In a terminal it opens the stepper's screen; with --script or
--script-file (or with commands piped on stdin) it runs the commands and
prints plain text, no escape codes.

` + stepper.Help + stepper.CondGrammar + `

flags:
`

func cmdStep(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("step", stdout, stepUsage)
	at := fs.String("at", "", "start paused at this virtual time (e.g. 10s)")
	script := fs.String("script", "", "run these commands (separated by ';') and print the output")
	scriptFile := fs.String("script-file", "", "run the commands in this file (one per line, '#' comments)")
	seed := fs.Uint64("seed", 0, "random seed (overrides the scenario's seed)")
	until := fs.String("until", "", "end the run at this virtual time instead of the scenario's duration")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("step takes one scenario (a .yaml file or a built-in name), got %d", fs.NArg())
	}
	if *script != "" && *scriptFile != "" {
		return usagef("step: --script and --script-file: use one")
	}
	sc, err := loadScenario(fs.Arg(0))
	if err != nil {
		return err
	}
	opts, err := runFlags(fs, *seed, *until)
	if err != nil {
		return err
	}
	s, err := stepper.New(sc, seedOf(sc.Seed, opts), sim.Time(opts.until))
	if err != nil {
		return inputError{err}
	}
	s.SetFilterEnv(filterEnv(sc)) // the language and classifier of --trace-filter
	if *at != "" {
		d, err := parseUntil(*at)
		if err != nil {
			return usagef("--at %q: want a positive virtual time such as 10s", *at)
		}
		s.RunTo(sim.Time(d))
	}
	text := *script
	if *scriptFile != "" {
		b, err := os.ReadFile(*scriptFile)
		if err != nil {
			return usagef("--script-file: %v", err)
		}
		text = string(b)
	}
	switch {
	case *script != "" || *scriptFile != "":
		return runScript(s, stepper.Script(text), stdout)
	case isTerminal(os.Stdin) && isTerminal(stdout):
		return runTUI(s, fs.Arg(0))
	}
	// Commands piped on stdin: the same as a script, read as they come.
	return runLines(s, os.Stdin, stdout)
}

// seedOf is the scenario's seed unless --seed overrides it.
func seedOf(scenarioSeed uint64, o simOptions) uint64 {
	if o.seedSet {
		return o.seed
	}
	return scenarioSeed
}

// runScript runs each command, echoing it as "> CMD" before its output;
// the first failing command stops the script (exit 2).
func runScript(s *stepper.Stepper, cmds []string, stdout io.Writer) error {
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	fmt.Fprintf(w, "%s\n", s.Where())
	for i, c := range cmds {
		fmt.Fprintf(w, "> %s\n", c)
		out, err := s.Exec(c)
		w.WriteString(out)
		if err != nil {
			w.Flush()
			return usagef("step: command %d (%s): %v", i+1, c, err)
		}
	}
	return nil
}

// runLines runs the commands read from r (until end of file).
func runLines(s *stepper.Stepper, r io.Reader, stdout io.Writer) error {
	sc := bufio.NewScanner(r)
	var cmds []string
	for sc.Scan() {
		cmds = append(cmds, stepper.Script(sc.Text())...)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("step: reading commands: %w", err)
	}
	return runScript(s, cmds, stdout)
}

// isTerminal reports whether w is a character device (a terminal): only
// then does step draw its screen, so redirected output never holds
// escape codes.
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// runTUI opens the stepper's screen on the terminal.
func runTUI(s *stepper.Stepper, title string) error {
	_, err := tea.NewProgram(stepper.NewTUI(s, title), tea.WithAltScreen()).Run()
	return err
}
