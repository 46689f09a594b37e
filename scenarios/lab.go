package scenarios

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"net/netip"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
)

// A lab is a scenario handed out to students plus the tasks that grade
// their answer, in the manner of Packet Tracer's activities: a prompt,
// checks worth points, and activity variables ("variants") drawn per
// student so that neighbours do not hand in the same file.
//
//	lab: uplink-tracking              # name
//	title: Track the uplink
//	prompt: |                         # what the student reads
//	  ...
//	variants:                         # drawn per student id, in this order
//	  prio_r1: [110, 120, 130]
//	handout: |                        # the scenario, with ${prio_r1} placeholders
//	  name: ...
//	tasks:
//	  - name: r1 is master while its uplink is up
//	    points: 2
//	    hint: what a student who lost the points should look at
//	    config:                        # the answer's configuration
//	      - {node: r1, instance: VI_1, priority: ${prio_r1}}
//	    expect:                        # the scenario's own expect: entries, run on the answer
//	      - at: 15s
//	        master: {VI_1: r1}
//
// ${name} may appear anywhere after variants:. The answer is graded by
// running it with each task's expectations in place of its own (a
// student cannot grade themselves) and checking the task's config.

// Lab is a parsed lab file before variants are drawn.
type Lab struct {
	File     string
	Name     string
	Title    string
	Variants []Variant
	text     []byte
}

// Variant is one activity variable and the values it is drawn from. A
// value is a scalar (${name}) or a map of fields drawn together
// (${name.field}), for values that must agree: a delay and the times
// that check it.
type Variant struct {
	Name   string
	Values []any
}

// StudentLab is a lab with one student's variant values filled in.
type StudentLab struct {
	Lab      *Lab
	Student  string
	Values   []VariantValue
	Prompt   string
	Handout  string // the scenario text the student starts from
	Solution string // the reference answer (the handout with the lab's solution edits); "" if none
	Tasks    []Task
	// Duration is the handout's: answers are graded over it, whatever
	// duration they set (a student cannot make grading run for hours).
	Duration time.Duration
}

// Edit is one change of the reference solution to the handout: Find
// must occur exactly once.
type Edit struct {
	Find    string `yaml:"find"`
	Replace string `yaml:"replace"`
}

// VariantValue is the value a student drew.
type VariantValue struct{ Name, Value string }

// Task is one graded part of a lab.
type Task struct {
	Name   string
	Prompt string
	Hint   string
	Points int
	Config []ConfigCheck
	expect []byte // YAML list of expect entries
}

// ConfigCheck asserts fields of one VRRP instance in the answer. Empty
// fields are not checked.
type ConfigCheck struct {
	Node              string `yaml:"node"`
	Instance          string `yaml:"instance"`
	VRID              string `yaml:"virtual_router_id"`
	Priority          string `yaml:"priority"`
	VIP               string `yaml:"virtual_ipaddress"` // one address the instance must hold
	PreemptDelay      string `yaml:"preempt_delay"`
	NoPreempt         string `yaml:"nopreempt"` // "true" or "false"
	TrackInterface    string `yaml:"track_interface"`
	TrackWeightAtMost string `yaml:"track_weight_at_most"` // the tracked interface's weight must be this or lower (a decrement)
	AuthPass          string `yaml:"auth_pass"`
}

type labFile struct {
	Lab      string        `yaml:"lab"`
	Title    string        `yaml:"title"`
	Prompt   string        `yaml:"prompt"`
	Variants yaml.MapSlice `yaml:"variants"`
	Handout  string        `yaml:"handout"`
	Solution []Edit        `yaml:"solution"`
	Tasks    []struct {
		Name   string        `yaml:"name"`
		Prompt string        `yaml:"prompt"`
		Hint   string        `yaml:"hint"`
		Points int           `yaml:"points"`
		Config []ConfigCheck `yaml:"config"`
		Expect []any         `yaml:"expect"`
	} `yaml:"tasks"`
}

var placeholder = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)\}`)

// LoadLab parses a lab file; the variants are read, the rest is checked
// once with the first value of each variant so a broken lab fails here,
// not in front of a student.
func LoadLab(filename string, data []byte) (*Lab, error) {
	var f labFile
	if err := yaml.UnmarshalWithOptions(data, &f, yaml.Strict()); err != nil {
		return nil, fmt.Errorf("%s: %s", filename, oneLine(yaml.FormatError(err, false, false)))
	}
	l := &Lab{File: filename, Name: f.Lab, Title: f.Title, text: data}
	if l.Name == "" {
		return nil, fmt.Errorf("%s: lab: missing name (lab: NAME)", filename)
	}
	for _, kv := range f.Variants {
		name, ok := kv.Key.(string)
		if !ok || strings.Contains(name, ".") || !placeholder.MatchString("${"+name+"}") {
			return nil, fmt.Errorf("%s: variants: %v is not a valid name (letters, digits, _)", filename, kv.Key)
		}
		vals, ok := kv.Value.([]any)
		if !ok || len(vals) == 0 {
			return nil, fmt.Errorf("%s: variants: %s: want a non-empty list of values", filename, name)
		}
		v := Variant{Name: name}
		for _, x := range vals {
			v.Values = append(v.Values, x)
		}
		l.Variants = append(l.Variants, v)
	}
	if _, err := l.ForStudent(""); err != nil {
		return nil, err
	}
	return l, nil
}

// draw picks a variant's value for a student: FNV-1a of lab, student and
// variable, so each variable is drawn on its own and adding a variable
// does not change the others.
func (l *Lab) draw(student string, v Variant) any {
	h := fnv.New64a()
	h.Write([]byte(l.Name + "\x00" + student + "\x00" + v.Name))
	return v.Values[h.Sum64()%uint64(len(v.Values))]
}

// ForStudent fills in the student's variants and parses the rest. An
// empty student gets the first value of each variant (the lab's
// reference values).
func (l *Lab) ForStudent(student string) (*StudentLab, error) {
	s := &StudentLab{Lab: l, Student: student}
	vals := map[string]string{}
	for _, v := range l.Variants {
		x := v.Values[0]
		if student != "" {
			x = l.draw(student, v)
		}
		if m, ok := x.(map[string]any); ok {
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys) // map order must not decide the listing
			for _, k := range keys {
				vals[v.Name+"."+k] = fmt.Sprint(m[k])
				s.Values = append(s.Values, VariantValue{v.Name + "." + k, fmt.Sprint(m[k])})
			}
			continue
		}
		vals[v.Name] = fmt.Sprint(x)
		s.Values = append(s.Values, VariantValue{v.Name, fmt.Sprint(x)})
	}
	// Fill in every ${name} (variant values themselves hold none).
	text := string(l.text)
	var unknown []string
	text = placeholder.ReplaceAllStringFunc(text, func(m string) string {
		name := placeholder.FindStringSubmatch(m)[1]
		if x, ok := vals[name]; ok {
			return x
		}
		unknown = append(unknown, m)
		return m
	})
	if len(unknown) > 0 {
		var names []string
		for _, v := range s.Values {
			names = append(names, v.Name)
		}
		return nil, fmt.Errorf("%s: %s: no such variant; variants: %s", l.File, unknown[0], quoteList(names))
	}
	var f labFile
	if err := yaml.UnmarshalWithOptions([]byte(text), &f, yaml.Strict()); err != nil {
		return nil, fmt.Errorf("%s: %s", l.File, oneLine(yaml.FormatError(err, false, false)))
	}
	s.Prompt, s.Handout = strings.TrimSpace(f.Prompt), f.Handout
	if strings.TrimSpace(s.Handout) == "" {
		return nil, fmt.Errorf("%s: handout: missing (the scenario the student starts from)", l.File)
	}
	hsc, err := Load(l.File+" (handout)", []byte(s.Handout))
	if err != nil {
		return nil, fmt.Errorf("%s: handout: %w", l.File, err)
	}
	s.Duration = hsc.Duration
	if len(f.Tasks) == 0 {
		return nil, fmt.Errorf("%s: tasks: want at least one", l.File)
	}
	for i, ft := range f.Tasks {
		t := Task{Name: ft.Name, Prompt: strings.TrimSpace(ft.Prompt), Hint: strings.TrimSpace(ft.Hint), Points: ft.Points, Config: ft.Config}
		if t.Name == "" || t.Points <= 0 {
			return nil, fmt.Errorf("%s: tasks[%d]: want a name and points > 0", l.File, i)
		}
		if len(ft.Expect) == 0 && len(ft.Config) == 0 {
			return nil, fmt.Errorf("%s: task %q checks nothing: give it config: or expect:", l.File, t.Name)
		}
		if len(ft.Expect) > 0 {
			b, err := yaml.Marshal(ft.Expect)
			if err != nil {
				return nil, fmt.Errorf("%s: task %q: expect: %v", l.File, t.Name, err)
			}
			t.expect = b
		}
		s.Tasks = append(s.Tasks, t)
	}
	// The reference answer (or, without one, the handout) must load with
	// every task's checks: a lab whose checks name a missing instance or
	// action is broken.
	ref, what := s.Handout, "the handout"
	if len(f.Solution) > 0 {
		sol, err := applyEdits(s.Handout, f.Solution)
		if err != nil {
			return nil, fmt.Errorf("%s: solution: %w", l.File, err)
		}
		s.Solution, ref, what = sol, sol, "the solution"
	}
	for i := range s.Tasks {
		if _, err := s.Tasks[i].Scenario(l.File+" ("+what+")", []byte(ref)); err != nil {
			return nil, fmt.Errorf("%s: task %q against %s: %w", l.File, s.Tasks[i].Name, what, err)
		}
	}
	return s, nil
}

func applyEdits(text string, edits []Edit) (string, error) {
	for i, e := range edits {
		if n := strings.Count(text, e.Find); n != 1 || e.Find == "" {
			return "", fmt.Errorf("edit %d: find %q occurs %d times in the handout, want once", i+1, e.Find, n)
		}
		text = strings.Replace(text, e.Find, e.Replace, 1)
	}
	return text, nil
}

// Points is the lab's total.
func (s *StudentLab) Points() int {
	n := 0
	for _, t := range s.Tasks {
		n += t.Points
	}
	return n
}

// HandoutFile is what `vrrpsim lab new` writes: the prompt and tasks as
// comments, then the scenario to edit.
func (s *StudentLab) HandoutFile() []byte {
	var b bytes.Buffer
	comment := func(text string) {
		for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
			b.WriteString(strings.TrimRight("# "+l, " ") + "\n")
		}
	}
	comment(fmt.Sprintf("Lab %s: %s", s.Lab.Name, s.Lab.Title))
	comment(fmt.Sprintf("Student %s. Hand this file in, edited:\n  vrrpsim lab check %s --student %s ANSWER.yaml", s.Student, s.Lab.Name, s.Student))
	b.WriteString("#\n")
	comment(s.Prompt)
	for i, t := range s.Tasks {
		b.WriteString("#\n")
		comment(fmt.Sprintf("Task %d (%d points): %s", i+1, t.Points, t.Name))
		if t.Prompt != "" {
			comment("  " + strings.ReplaceAll(t.Prompt, "\n", "\n  "))
		}
	}
	b.WriteString("\n")
	b.WriteString(s.Handout)
	return b.Bytes()
}

// Scenario loads the answer with the task's expectations in place of the
// answer's own expect: block.
func (t *Task) Scenario(filename string, answer []byte) (*Scenario, error) {
	text := stripTopLevel(string(answer), "expect")
	if len(t.expect) > 0 {
		text = strings.TrimRight(text, "\n") + "\nexpect:\n"
		for _, l := range strings.Split(strings.TrimRight(string(t.expect), "\n"), "\n") {
			text += "  " + l + "\n"
		}
	}
	return Load(filename, []byte(text))
}

// stripTopLevel drops a top-level key and its block from YAML text.
func stripTopLevel(text, key string) string {
	var out []string
	skip := false
	for _, l := range strings.Split(text, "\n") {
		top := l != "" && l[0] != ' ' && l[0] != '\t' && l[0] != '#' && l[0] != '-'
		if top {
			skip = strings.HasPrefix(l, key+":")
		}
		if !skip {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// Check reports, one line each, how the answer's configuration differs
// from what c asks; nil if it matches.
func (c ConfigCheck) Check(sc *Scenario) []string {
	var node *Node
	for _, n := range sc.Nodes {
		if n.Name == c.Node {
			node = n
		}
	}
	if node == nil {
		return []string{fmt.Sprintf("node %s is missing", c.Node)}
	}
	var in *Instance
	for _, x := range node.VRRP {
		if x.Name == c.Instance {
			in = x
		}
	}
	if in == nil {
		return []string{fmt.Sprintf("%s has no VRRP instance %s", c.Node, c.Instance)}
	}
	where := c.Node + " " + c.Instance
	var bad []string
	want := func(what, want, got string) {
		if want != "" && want != got {
			bad = append(bad, fmt.Sprintf("%s: %s is %s, want %s", where, what, got, want))
		}
	}
	want("virtual_router_id", c.VRID, strconv.Itoa(in.VRID))
	want("priority", c.Priority, strconv.Itoa(in.Priority))
	want("nopreempt", c.NoPreempt, strconv.FormatBool(in.NoPreempt))
	if c.PreemptDelay != "" {
		d, err := ParseDuration(c.PreemptDelay)
		if err != nil || d != in.PreemptDelay {
			bad = append(bad, fmt.Sprintf("%s: preempt_delay is %s, want %s", where, in.PreemptDelay, c.PreemptDelay))
		}
	}
	if c.VIP != "" {
		a, err := netip.ParseAddr(c.VIP)
		found := false
		var have []string
		for _, p := range in.VirtualIPs {
			found = found || (err == nil && p.Addr() == a)
			have = append(have, p.Addr().String())
		}
		if !found {
			bad = append(bad, fmt.Sprintf("%s: virtual_ipaddress %s missing (has %s)", where, c.VIP, strings.Join(have, ", ")))
		}
	}
	if c.TrackInterface != "" {
		var tr *Track
		for _, t := range in.TrackInterfaces {
			if t.Name == c.TrackInterface {
				tr = t
			}
		}
		switch {
		case tr == nil:
			bad = append(bad, fmt.Sprintf("%s: does not track interface %s", where, c.TrackInterface))
		case c.TrackWeightAtMost != "":
			if w, err := strconv.Atoi(c.TrackWeightAtMost); err != nil || tr.Weight > w {
				bad = append(bad, fmt.Sprintf("%s: track_interface %s weight %d, want %s or lower", where, c.TrackInterface, tr.Weight, c.TrackWeightAtMost))
			}
		}
	}
	if c.AuthPass != "" {
		got := ""
		if in.Auth != nil {
			got = in.Auth.Pass
		}
		want("auth_pass", c.AuthPass, got)
	}
	return bad
}

// The built-in labs: every labs/*.yaml, embedded.
//
//go:embed labs/*.yaml
var labFS embed.FS

// LabNames lists the built-in labs, sorted.
func LabNames() []string {
	entries, err := fs.ReadDir(labFS, "labs")
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".yaml"); ok {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// ErrNoLab is returned for an unknown built-in lab.
var ErrNoLab = errors.New("no such built-in lab")

// BuiltinLab loads a built-in lab by name.
func BuiltinLab(name string) (*Lab, error) {
	if name == "" || strings.ContainsAny(name, "/\\") {
		return nil, fmt.Errorf("%w %q; labs: %s", ErrNoLab, name, quoteList(LabNames()))
	}
	file := path.Join("labs", name+".yaml")
	data, err := labFS.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("%w %q; labs: %s", ErrNoLab, name, quoteList(LabNames()))
	}
	return LoadLab(file, data)
}
