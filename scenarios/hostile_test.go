package scenarios

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHostileCorpus (issue 13): every file under testdata/hostile is a
// scenario someone could hand us that must be refused; its first line,
// "# want: TEXT", is the error it must produce (loaded as hostile.yaml).
// Binary files, which cannot carry the comment, are listed here.
func TestHostileCorpus(t *testing.T) {
	binary := map[string]string{
		"utf16-no-bom.yaml": "hostile.yaml:1:1: the file starts with NUL bytes: UTF-16 or UTF-32 without a byte order mark",
	}
	files, err := filepath.Glob("testdata/hostile/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			want, ok := binary[filepath.Base(f)]
			if !ok {
				first, _, _ := strings.Cut(string(data), "\n")
				want, ok = strings.CutPrefix(first, "# want: ")
				if !ok {
					t.Fatalf("first line %q: want \"# want: ERROR TEXT\"", first)
				}
			}
			_, err = Load("hostile.yaml", data)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("got %v\nwant an error containing %q", err, want)
			}
		})
	}
}
