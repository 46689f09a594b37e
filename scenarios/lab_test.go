package scenarios

import (
	"fmt"
	"strings"
	"testing"
)

// TestBuiltinLabsLoad: every shipped lab parses, its handout loads and
// every task's checks load against the handout, for several students.
func TestBuiltinLabsLoad(t *testing.T) {
	if len(LabNames()) == 0 {
		t.Fatal("no built-in labs")
	}
	for _, name := range LabNames() {
		l, err := BuiltinLab(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, student := range []string{"s1001", "s1002", "alice", "bob"} {
			if _, err := l.ForStudent(student); err != nil {
				t.Errorf("%s for %s: %v", name, student, err)
			}
		}
	}
}

const miniLab = `lab: mini
title: t
prompt: p
variants:
  prio: [110, 120, 130]
  pair:
    - {a: 1, b: 2}
handout: |
  name: mini
  segments: {lan: {}}
  nodes:
    r1:
      kind: router
      interfaces: {eth0: {segment: lan, address: 10.0.0.1/24}}
      vrrp:
        VI_1: {interface: eth0, virtual_router_id: ${pair.a}, priority: ${prio}, virtual_ipaddress: [10.0.0.254]}
tasks:
  - name: r1 master
    points: 2
    expect:
      - at: 5s
        master: {VI_1: r1}
`

// TestLoadLabErrors: a broken lab fails when it is loaded, naming the
// file and what is wrong.
func TestLoadLabErrors(t *testing.T) {
	tests := []struct{ find, repl, want string }{
		{"lab: mini", "lab: ''", "lab: missing name"},
		{"  prio: [110, 120, 130]", "  prio: []", "variants: prio: want a non-empty list"},
		{"${prio}", "${prioo}", "${prioo}: no such variant; variants: "},
		{"points: 2", "points: 0", "want a name and points > 0"},
		{"master: {VI_1: r1}", "master: {VI_9: r1}", `no vrrp instance "VI_9"`},
		{"prompt: p", "prompt: p\nbogus: 1", "unknown field"},
		{"    expect:\n      - at: 5s\n        master: {VI_1: r1}\n", "", "checks nothing"},
	}
	for _, tt := range tests {
		text := strings.Replace(miniLab, tt.find, tt.repl, 1)
		if text == miniLab {
			t.Fatalf("edit %q changed nothing", tt.find)
		}
		_, err := LoadLab("mini.yaml", []byte(text))
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "mini.yaml") {
			t.Errorf("%q: got %v, want mini.yaml: ...%s...", tt.find, err, tt.want)
		}
	}
}

// TestLabVariantsPerStudent: values are drawn per student and variable
// (FNV-1a of lab, student and name), stable, spread over the list, and
// a map value's fields come together.
func TestLabVariantsPerStudent(t *testing.T) {
	l, err := LoadLab("mini.yaml", []byte(miniLab))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for i := 0; i < 300; i++ {
		s, err := l.ForStudent(fmt.Sprintf("s%04d", i))
		if err != nil {
			t.Fatal(err)
		}
		again, _ := l.ForStudent(fmt.Sprintf("s%04d", i))
		if fmt.Sprint(s.Values) != fmt.Sprint(again.Values) {
			t.Fatalf("student %d drew %v then %v", i, s.Values, again.Values)
		}
		if got := fmt.Sprint(s.Values[1:]); got != "[{pair.a 1} {pair.b 2}]" {
			t.Fatalf("map variant drawn as %s", got)
		}
		if !strings.Contains(s.Handout, "priority: "+s.Values[0].Value+",") {
			t.Fatalf("handout lacks the drawn priority %s", s.Values[0].Value)
		}
		seen[s.Values[0].Value]++
	}
	for _, v := range []string{"110", "120", "130"} {
		if seen[v] < 60 { // 100 expected of 300
			t.Errorf("value %s drawn %d times of 300: %v", v, seen[v], seen)
		}
	}
}

// TestTaskScenarioReplacesTheAnswersExpectations: a student cannot grade
// themselves: the answer's own expect: block is dropped.
func TestTaskScenarioReplacesTheAnswersExpectations(t *testing.T) {
	l, err := LoadLab("mini.yaml", []byte(miniLab))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := l.ForStudent("x")
	answer := s.Handout + "expect:\n  - no_split_brain: true\n  - at: 1s\n    master: {VI_1: none}\n"
	sc, err := s.Tasks[0].Scenario("a.yaml", []byte(answer))
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Expect) != 1 || sc.Expect[0].Kind != ExpectMaster || sc.Expect[0].Master[0].Node != "r1" {
		t.Errorf("expectations %v, want only the task's", sc.Expect)
	}
}

// FuzzLoadLab: the lab reader never panics, and a lab it accepts gives
// every student a handout that loads.
func FuzzLoadLab(f *testing.F) {
	f.Add([]byte(miniLab))
	for _, n := range LabNames() {
		if b, err := labFS.ReadFile("labs/" + n + ".yaml"); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := LoadLab("f.yaml", b)
		if err != nil {
			return
		}
		s, err := l.ForStudent("fuzz")
		if err != nil {
			return // a value drawn for this student may break the handout
		}
		if _, err := Load("h.yaml", []byte(s.Handout)); err != nil {
			t.Fatalf("accepted lab's handout does not load: %v", err)
		}
	})
}

func BenchmarkLoadLab(b *testing.B) {
	data, err := labFS.ReadFile("labs/lvs-dr-arp-trap.yaml")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := LoadLab("x.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}
