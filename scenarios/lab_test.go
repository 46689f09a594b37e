package scenarios

import (
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
