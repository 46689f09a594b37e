package scenarios

import (
	"strings"
	"testing"
)

// TestKillAction (issue 13 item 15): `kill: NODE` is a timeline action of
// its own, distinct from crash and stop, that names its node.
func TestKillAction(t *testing.T) {
	_, data, _ := BuiltinSource("master-crash")
	src := strings.Replace(string(data), "crash: r1", "kill: r1", 1)
	s, err := Load("k.yaml", []byte(strings.Replace(src, "after: crash r1", "after: kill r1", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if a := s.Timeline[0].Action; a.Kind != ActKill || a.String() != "kill r1" {
		t.Errorf("action: %v %q, want kill \"kill r1\"", a.Kind, a.String())
	}
	_, err = Load("k.yaml", []byte(strings.Replace(string(data), "crash: r1", "kill: r9", 1)))
	if err == nil || !strings.Contains(err.Error(), "r9") {
		t.Errorf("kill of an unknown node: %v", err)
	}
}
