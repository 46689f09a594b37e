package main

import (
	"encoding/json"
	"encoding/xml"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/vrrpsim/vrrpsim/scenarios"
)

// TestLabGrading grades the shipped labs' reference answers for student
// s1001: a correct answer gets full marks, each broken one loses exactly
// the points of the tasks it breaks, with the reason. The variants drawn
// for s1001 are in the answers (e.g. r1 priority 160 in uplink-tracking).
func TestLabGrading(t *testing.T) {
	tests := []struct {
		lab, answer string
		score       int
		lost        []string // substrings of the reasons, in task order
	}{
		// keepalived vrrp_set_effective_priority: 160 - 70 = 90 < 100.
		{"uplink-tracking", "correct", 10, nil},
		// 160 - 50 = 110 > 100: r2 never preempts (RFC 3768 6.4.2), task 2 (5 points) lost.
		{"uplink-tracking", "weak-weight", 5, []string{"VI_1 master at 25.000000 (5s after link_down r1/eth1) was r1, want r2"}},
		// nopreempt: r1 does not take back after link_up, task 3 (3 points) lost.
		{"uplink-tracking", "nopreempt", 7, []string{"VI_1 master at 45.000000 (5s after link_up r1/eth1) was r2, want r1"}},
	}
	for _, tt := range tests {
		t.Run(tt.lab+"/"+tt.answer, func(t *testing.T) {
			file := filepath.Join("testdata", "labs", tt.lab, tt.answer+".yaml")
			code, out, stderr := runCLI(t, "lab", "check", tt.lab, "--student", "s1001", "--json", file)
			var g labGrade
			if err := json.Unmarshal([]byte(out), &g); err != nil {
				t.Fatalf("exit %d, %v: %s %s", code, err, out, stderr)
			}
			if g.Score != tt.score || g.Total != 10 {
				t.Errorf("score %d/%d, want %d/10\n%s", g.Score, g.Total, tt.score, out)
			}
			wantCode := exitOK
			if tt.score < g.Total {
				wantCode = exitFailed
			}
			if code != wantCode {
				t.Errorf("exit %d, want %d", code, wantCode)
			}
			var reasons []string
			for _, task := range g.Tasks {
				if task.Scored != 0 && task.Scored != task.Points {
					t.Errorf("task %q scored %d of %d: all or nothing", task.Name, task.Scored, task.Points)
				}
				reasons = append(reasons, task.Reasons...)
			}
			if len(reasons) != len(tt.lost) {
				t.Fatalf("reasons %q, want %d matching %q", reasons, len(tt.lost), tt.lost)
			}
			for i, want := range tt.lost {
				if !strings.Contains(reasons[i], want) {
					t.Errorf("reason %q, want it to say %q", reasons[i], want)
				}
			}
		})
	}
}

// TestLabNewDrawsPerStudent: the handout carries the values drawn for the
// student, the same every time, and two students can differ.
func TestLabNewDrawsPerStudent(t *testing.T) {
	_, a1, _ := runCLI(t, "lab", "new", "uplink-tracking", "--student", "s1001")
	_, a2, _ := runCLI(t, "lab", "new", "uplink-tracking", "--student", "s1001")
	if a1 != a2 || !strings.Contains(a1, "priority: 160") || !strings.Contains(a1, "# Student s1001.") {
		t.Fatalf("handout for s1001 not stable or lacks its values:\n%s", a1)
	}
	differ := false
	for _, s := range []string{"s1002", "s1003", "s1004", "s1005", "s1006"} {
		_, b, _ := runCLI(t, "lab", "new", "uplink-tracking", "--student", s)
		differ = differ || strings.Contains(b, "priority: ") && !strings.Contains(b, "priority: 160")
	}
	if !differ {
		t.Error("six students all drew r1 priority 160")
	}
	if code, _, stderr := runCLI(t, "lab", "new", "uplink-tracking"); code != exitBadInput || !strings.Contains(stderr, "--student") {
		t.Errorf("no --student: exit %d %q", code, stderr)
	}
	if code, _, stderr := runCLI(t, "lab", "new", "nosuch", "--student", "x"); code != exitBadInput || !strings.Contains(stderr, "uplink-tracking") {
		t.Errorf("unknown lab: exit %d %q", code, stderr)
	}
}

// TestLabCheckJUnit: one test case per task, a failure for the lost task
// with its reasons.
func TestLabCheckJUnit(t *testing.T) {
	file := filepath.Join("testdata", "labs", "uplink-tracking", "weak-weight.yaml")
	_, out, _ := runCLI(t, "lab", "check", "uplink-tracking", "--student", "s1001", "--junit", file)
	var doc junitSuites
	if err := xml.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if doc.Tests != 3 || doc.Failures != 1 || len(doc.Suites) != 1 {
		t.Fatalf("tests %d failures %d suites %d, want 3 1 1", doc.Tests, doc.Failures, len(doc.Suites))
	}
	c := doc.Suites[0].Cases[1]
	if c.Failure == nil || !strings.Contains(c.Failure.Message, "lost 5 points") {
		t.Errorf("task 2 case %+v, want a failure losing 5 points", c)
	}
}

// TestBuiltinLabSolutionsGetFullMarks: each shipped lab's reference
// solution, for several students (so several variant draws), gets full
// marks: the checks are right and the lab can be solved.
func TestBuiltinLabSolutionsGetFullMarks(t *testing.T) {
	for _, name := range scenarios.LabNames() {
		lab, err := scenarios.BuiltinLab(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, student := range []string{"s1001", "s1002", "s1003", "alice"} {
			sl, err := lab.ForStudent(student)
			if err != nil {
				t.Fatal(err)
			}
			if sl.Solution == "" {
				t.Fatalf("%s ships no solution", name)
			}
			if g := gradeLab(sl, name+"-solution.yaml", []byte(sl.Solution)); g.Score != g.Total {
				t.Errorf("%s for %s: the solution scores %d/%d: %+v", name, student, g.Score, g.Total, g.Tasks)
			}
			// The handout as handed out must not already pass.
			if g := gradeLab(sl, name+"-handout.yaml", []byte(sl.Handout)); g.Score == g.Total {
				t.Errorf("%s for %s: the untouched handout gets full marks", name, student)
			}
		}
	}
}

// TestLabBrokenSolutions: the reference solution with one mistake loses
// exactly the points of the task that mistake breaks.
func TestLabBrokenSolutions(t *testing.T) {
	replace := func(find, with string) func(string) string {
		return func(s string) string { return strings.Replace(s, find, with, 1) }
	}
	dropLines := func(containing string) func(string) string {
		return func(s string) string {
			var keep []string
			for _, l := range strings.Split(s, "\n") {
				if !strings.Contains(l, containing) {
					keep = append(keep, l)
				}
			}
			return strings.Join(keep, "\n")
		}
	}
	tests := []struct {
		lab, why string
		edit     func(string) string
		score    int
	}{
		// r1 as master of both groups: no load sharing (task 1, 4 points)
		// and r2 cannot take VI_2 back (task 3, 3 points).
		{"two-groups-load-sharing", "r1 higher in VI_2", replace("priority: 100, advert_int: 1s, virtual_ipaddress: [10.0.0.253]", "priority: 250, advert_int: 1s, virtual_ipaddress: [10.0.0.253]"), 3},
		// preempt_delay shorter than asked: r1 back before the check time (task 1, 6 points).
		{"preempt-delay", "delay too short", replace("preempt_delay: ", "preempt_delay: 1s\n        # was: "), 4},
		// nopreempt beats preempt_delay (keepalived vrrp_state_backup): r1 never takes back (task 2, 4 points).
		{"preempt-delay", "nopreempt", replace("preempt_delay: ", "nopreempt: true\n        preempt_delay: "), 6},
		// Dropping authentication ends the split brain but breaks task 2 (4 points).
		{"split-brain", "no authentication", dropLines("authentication:"), 6},
		// arp_ignore 1 alone: the real servers no longer answer who-has
		// VIP (arp_process checks the target against the incoming
		// interface), so the director wins gw's first ARP and schedules by
		// weight; but with arp_announce 0 a real server's own ARP request
		// carries the VIP as sender (arp_solicit) and gw files it
		// (neigh_event_ns): packets bypass the director (task 1, 6 points).
		{"lvs-dr-arp-trap", "arp_ignore only", dropLines("arp_announce: 2"), 4},
		// arp_announce 2 alone: the real servers still answer who-has VIP
		// and rs1 wins the race: the director schedules nothing (both tasks).
		{"lvs-dr-arp-trap", "arp_announce only", dropLines("arp_ignore: 1"), 0},
		// An answer's own duration does not count: it is graded over the
		// handout's 60 s (and does not run for 100 hours).
		{"uplink-tracking", "duration 100h", replace("duration: 60s", "duration: 100h"), 10},
		// Fixing r1's password instead of r2's: one master, wrong password (task 2, 4 points).
		{"split-brain", "r1 changed", func(s string) string {
			return regexp.MustCompile(`auth_pass: [^}]*}`).ReplaceAllString(s, "auth_pass: Secret}")
		}, 6},
	}
	for _, tt := range tests {
		lab, err := scenarios.BuiltinLab(tt.lab)
		if err != nil {
			t.Fatal(err)
		}
		sl, err := lab.ForStudent("s1001")
		if err != nil {
			t.Fatal(err)
		}
		ans := tt.edit(sl.Solution)
		if ans == sl.Solution {
			t.Fatalf("%s/%s: the edit changed nothing", tt.lab, tt.why)
		}
		g := gradeLab(sl, tt.why+".yaml", []byte(ans))
		if g.Score != tt.score {
			t.Errorf("%s/%s: %d/%d, want %d: %+v", tt.lab, tt.why, g.Score, g.Total, tt.score, g.Tasks)
		}
	}
}
