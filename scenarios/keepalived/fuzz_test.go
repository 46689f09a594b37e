package keepalived

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/vrrpsim/vrrpsim/scenarios"
)

func seedConfigs(f *testing.F) {
	for _, p := range []string{"pair/keepalived.conf", "pair/conf.d/scripts.conf", "lvs/keepalived.conf", "lvs-checks/keepalived.conf", "bad/seq-bomb.conf", "bad/unterminated.conf"} {
		if b, err := os.ReadFile(filepath.Join("testdata", p)); err == nil {
			f.Add(string(b), "r1")
		}
	}
	f.Add("$A=${A}${A}\nx $A\n~SEQ(a,1,99) ~LST({x,y},{1,2}) $X=$a\ninclude main.conf\n", "")
	// Checkers, a group with a range, the sync daemon, FULLNAT's local addresses.
	f.Add("global_defs { lvs_sync_daemon eth1 VI_1 id 5 group 224.0.0.81 }\nvirtual_server_group G { 10.0.0.1-3 80\n fwmark 9 }\n"+
		"local_address_group L { 10.0.0.201-202 }\nvirtual_server group G { lb_kind FNAT laddr_group_name L quorum 1 sorry_server 10.0.0.9 80\n"+
		" real_server 10.0.0.11 80 { alpha TCP_CHECK { connect_timeout 1.5 retry 0 } HTTP_GET { url { path / status_code 200-299 301 } }\n"+
		"  MISC_CHECK { misc_path \"/bin/chk 'a b'\" misc_dynamic } } }\n", "")
}

// FuzzReader: any text (which may include itself) is read within the
// limits, and every finding and line is placed in a file at a line >= 1.
func FuzzReader(f *testing.F) {
	seedConfigs(f)
	f.Fuzz(func(t *testing.T, text, id string) {
		fsys := fstest.MapFS{"main.conf": &fstest.MapFile{Data: []byte(text)}, "inc.conf": &fstest.MapFile{Data: []byte(text)}}
		lim := Limits{FileBytes: 1 << 16, TotalBytes: 1 << 18, IncludeDepth: 4, Files: 16, Lines: 2000, LineBytes: 4096, SubstRounds: 8, Steps: 20000}
		r := &Reader{FS: fsys, ConfigID: id, HasConfigID: id != "", Limits: lim}
		lines, finds := r.ReadConfig("main.conf")
		if len(lines) > lim.Lines {
			t.Fatalf("%d lines, limit %d", len(lines), lim.Lines)
		}
		for _, l := range lines {
			if l.Pos.File == "" || l.Pos.Line < 1 || l.Pos.Col < 1 || len(l.Text) > lim.LineBytes {
				t.Fatalf("bad line %+v", l)
			}
		}
		for _, fd := range finds {
			if fd.Pos.File == "" || fd.Pos.Line < 1 || fd.Pos.Col < 1 {
				t.Fatalf("unplaced finding %v", fd)
			}
		}
	})
}

// FuzzImport: any config text maps to YAML or findings, never a panic.
func FuzzImport(f *testing.F) {
	seedConfigs(f)
	f.Fuzz(func(t *testing.T, text, id string) {
		src := Source{Node: "r1", FS: fstest.MapFS{"k.conf": &fstest.MapFile{Data: []byte(text)}}, Path: "k.conf", ConfigID: id, HasConfigID: id != "",
			Limits: Limits{FileBytes: 1 << 16, TotalBytes: 1 << 18, IncludeDepth: 4, Files: 16, Lines: 2000, LineBytes: 4096, SubstRounds: 8, Steps: 20000}}
		out, finds := Import([]Source{src}, nil, Options{})
		if !strings.HasPrefix(string(out), "# Written by") {
			t.Fatalf("no YAML header: %q", out)
		}
		for _, fd := range finds {
			if fd.Pos.File == "" || fd.Pos.Line < 1 {
				t.Fatalf("unplaced finding %v", fd)
			}
		}
		// The YAML written (checkers, groups, sync daemon included) is
		// read back by the loader: an error is fine, a panic is not.
		_, _ = scenarios.Load("import.yaml", out)
	})
}

// FuzzQuotedEscaped: splitting never panics and never makes an empty
// argv word out of nothing but blanks.
func FuzzQuotedEscaped(f *testing.F) {
	for _, s := range []string{`a "b c" 'd'`, `\x41\101\cA\n`, `"unterminated`, `x\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		words, ok := quotedEscaped(s)
		// keepalived splits on C's isspace (ASCII): a no-break space is
		// a character of a word, not a blank.
		if ok && strings.Trim(s, " \t\n\v\f\r") == "" && len(words) != 0 {
			t.Fatalf("blank %q gave %q", s, words)
		}
	})
}
