package main

import (
	"encoding/json"
	"encoding/xml"
	"path/filepath"
	"strings"
	"testing"
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
