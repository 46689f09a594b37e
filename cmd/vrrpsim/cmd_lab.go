package main

import (
	"bufio"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/vrrpsim/vrrpsim/scenarios"
)

const labUsage = `usage: vrrpsim lab list
       vrrpsim lab new LAB --student ID [-o FILE]
       vrrpsim lab check LAB --student ID ANSWER.yaml [--json | --junit]

A lab is a scenario handed out to students with tasks that grade their
answer (docs/labs.md). LAB is a lab file or a built-in lab name.

  list   the built-in labs
  new    write the student's copy: the prompt and tasks as comments, then
         the scenario to edit, with the values drawn for this student id
  check  run the student's answer against every task and print the score
         with the reason for each lost point; exit status 1 if points
         were lost

flags:
`

func cmdLab(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("lab", stdout, labUsage)
	student := fs.String("student", "", "the student id the variants are drawn from")
	out := fs.StringP("output", "o", "", "lab new: write the handout here instead of stdout")
	asJSON := fs.Bool("json", false, "lab check: print the grade as JSON")
	junit := fs.Bool("junit", false, "lab check: print the grade as JUnit XML (one test case per task)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("lab: want list, new or check")
	}
	verb, rest := fs.Arg(0), fs.Args()[1:]
	if verb == "list" {
		if len(rest) > 0 {
			return usagef("lab list takes no arguments")
		}
		for _, n := range scenarios.LabNames() {
			l, err := scenarios.BuiltinLab(n)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%-26s  %s\n", n, l.Title)
		}
		return nil
	}
	if verb != "new" && verb != "check" {
		return usagef("lab %s: want list, new or check", verb)
	}
	if len(rest) == 0 {
		return usagef("lab %s: which lab? built-in labs: %s", verb, strings.Join(scenarios.LabNames(), ", "))
	}
	if *student == "" {
		return usagef("lab %s: --student ID is required (the variants are drawn from it)", verb)
	}
	lab, err := loadLab(rest[0])
	if err != nil {
		return err
	}
	sl, err := lab.ForStudent(*student)
	if err != nil {
		return inputError{err}
	}
	switch verb {
	case "new":
		if len(rest) > 1 {
			return usagef("lab new takes one lab, got %s", strings.Join(rest, " "))
		}
		return writeOut(*out, stdout, func(w io.Writer) error { _, err := w.Write(sl.HandoutFile()); return err })
	}
	if len(rest) != 2 {
		return usagef("lab check: want LAB and ANSWER.yaml, got %s", strings.Join(rest, " "))
	}
	if *asJSON && *junit {
		return usagef("lab check: --json or --junit, not both")
	}
	answer, err := os.ReadFile(rest[1])
	if err != nil {
		return usagef("lab check: %v", err)
	}
	g := gradeLab(sl, rest[1], answer)
	bw := bufio.NewWriter(stdout)
	switch {
	case *asJSON:
		enc := json.NewEncoder(bw)
		enc.SetIndent("", "  ")
		err = enc.Encode(g)
	case *junit:
		err = writeLabJUnit(bw, g)
	default:
		g.writeText(bw)
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return err
	}
	if g.Score < g.Total {
		return &lostPointsError{lost: g.Total - g.Score, total: g.Total, fe: &failedError{g.lostTasks()}}
	}
	return nil
}

// lostPointsError is a graded answer that lost points: exit status 1,
// as a failed expectation is for check.
type lostPointsError struct {
	lost, total int
	fe          *failedError
}

func (e *lostPointsError) Error() string {
	return fmt.Sprintf("lost %d of %d points", e.lost, e.total)
}
func (e *lostPointsError) Unwrap() error { return e.fe }

// loadLab reads a lab file, or a built-in lab by name.
func loadLab(arg string) (*scenarios.Lab, error) {
	if _, err := os.Stat(arg); err == nil || strings.ContainsAny(arg, "/\\") || strings.HasSuffix(arg, ".yaml") {
		data, err := os.ReadFile(arg)
		if err != nil {
			return nil, usagef("lab: %v", err)
		}
		l, err := scenarios.LoadLab(arg, data)
		if err != nil {
			return nil, inputError{err}
		}
		return l, nil
	}
	l, err := scenarios.BuiltinLab(arg)
	if err != nil {
		return nil, usagef("%v", err)
	}
	return l, nil
}

// labGrade is the result of lab check, also its JSON form.
type labGrade struct {
	Lab      string      `json:"lab"`
	Student  string      `json:"student"`
	Answer   string      `json:"answer"`
	Score    int         `json:"score"`
	Total    int         `json:"total"`
	Variants []labVar    `json:"variants"`
	Tasks    []taskGrade `json:"tasks"`
}

type labVar struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type taskGrade struct {
	Name    string   `json:"name"`
	Points  int      `json:"points"`
	Scored  int      `json:"scored"`
	Reasons []string `json:"reasons,omitempty"` // why the points were lost, one line each
	Hint    string   `json:"hint,omitempty"`
}

// lostTasks counts the tasks that lost points.
func (g *labGrade) lostTasks() int {
	n := 0
	for _, t := range g.Tasks {
		if t.Scored < t.Points {
			n++
		}
	}
	return n
}

// gradeLab runs the answer once per task, with that task's expectations,
// and checks its configuration. A task scores all its points or none;
// every reason it lost them is listed. An answer that does not load
// loses every task with the loader's error.
func gradeLab(sl *scenarios.StudentLab, file string, answer []byte) *labGrade {
	g := &labGrade{Lab: sl.Lab.Name, Student: sl.Student, Answer: file, Total: sl.Points()}
	for _, v := range sl.Values {
		g.Variants = append(g.Variants, labVar{v.Name, v.Value})
	}
	for i := range sl.Tasks {
		t := &sl.Tasks[i]
		tg := taskGrade{Name: t.Name, Points: t.Points}
		sc, err := t.Scenario(file, answer)
		if err != nil {
			tg.Reasons = append(tg.Reasons, "the answer does not load: "+inputError{err}.Error())
		} else {
			for _, c := range t.Config {
				tg.Reasons = append(tg.Reasons, c.Check(sc)...)
			}
			res, err := simulate(sc, simOptions{until: sl.Duration, aggregate: true})
			if err != nil {
				tg.Reasons = append(tg.Reasons, "the answer does not run: "+err.Error())
			} else {
				for _, x := range res.report.Expectations {
					if !x.OK {
						tg.Reasons = append(tg.Reasons, x.Text+": "+x.Detail)
					}
				}
			}
		}
		if len(tg.Reasons) == 0 {
			tg.Scored = t.Points
		} else {
			tg.Hint = t.Hint
		}
		g.Score += tg.Scored
		g.Tasks = append(g.Tasks, tg)
	}
	return g
}

func (g *labGrade) writeText(w io.Writer) {
	fmt.Fprintf(w, "lab %s, student %s: %d/%d points\n", g.Lab, g.Student, g.Score, g.Total)
	for i, t := range g.Tasks {
		fmt.Fprintf(w, "  task %d [%d/%d] %s\n", i+1, t.Scored, t.Points, t.Name)
		for _, r := range t.Reasons {
			fmt.Fprintf(w, "      lost: %s\n", r)
		}
		if t.Hint != "" {
			fmt.Fprintf(w, "      hint: %s\n", strings.ReplaceAll(t.Hint, "\n", "\n            "))
		}
	}
}

// writeLabJUnit writes the grade as JUnit XML for an LMS or CI: one suite
// per lab and student, one test case per task, a failure listing the
// reasons when a task lost its points (the check command's XML types).
func writeLabJUnit(w io.Writer, g *labGrade) error {
	s := junitSuite{Name: g.Lab + " / " + g.Student, File: g.Answer,
		Properties: []junitProperty{{Name: "score", Value: fmt.Sprint(g.Score)}, {Name: "total", Value: fmt.Sprint(g.Total)}}}
	for _, v := range g.Variants {
		s.Properties = append(s.Properties, junitProperty{Name: "variant." + v.Name, Value: v.Value})
	}
	for i, t := range g.Tasks {
		c := junitCase{Name: fmt.Sprintf("task %d (%d points): %s", i+1, t.Points, t.Name), Classname: g.Lab, File: g.Answer}
		if t.Scored < t.Points {
			s.Failures++
			c.Failure = &junitProblem{Message: fmt.Sprintf("lost %d points: %s", t.Points-t.Scored, t.Reasons[0]), Type: "lab task",
				Text: strings.Join(t.Reasons, "\n")}
		}
		s.Tests++
		s.Cases = append(s.Cases, c)
	}
	doc := junitSuites{Name: "vrrpsim lab", Tests: s.Tests, Failures: s.Failures, Suites: []junitSuite{s}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
