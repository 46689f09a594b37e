package keepalived

import (
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

// readAll preprocesses main.conf of files; lines come back as
// "LINE:COL text" (file named when not main.conf), findings as their
// String().
func readAll(files map[string]string, id string, lim Limits) ([]string, []string) {
	fsys := fstest.MapFS{}
	for n, c := range files {
		fsys[n] = &fstest.MapFile{Data: []byte(c)}
	}
	r := &Reader{FS: fsys, ConfigID: id, HasConfigID: id != "", Limits: lim}
	lines, finds := r.ReadConfig("main.conf")
	var ls, fs []string
	for _, l := range lines {
		p := ""
		if l.Pos.File != "main.conf" {
			p = l.Pos.File + ":"
		}
		ls = append(ls, p+strconv.Itoa(l.Pos.Line)+":"+strconv.Itoa(l.Pos.Col)+" "+l.Text)
	}
	for _, f := range finds {
		fs = append(fs, f.String())
	}
	return ls, fs
}

func TestReader(t *testing.T) {
	cases := []struct {
		name  string
		cite  string
		files map[string]string
		id    string
		want  []string // lines
		finds []string // substrings of findings, in order
	}{
		{name: "comments", cite: "decomment: # and ! start a comment anywhere outside quotes, \\# is a #",
			files: map[string]string{"main.conf": "  router_id r1 # c\n! whole line\nrouter_id \"a#b\" ! c\nrouter_id x\\#y\n"},
			want:  []string{"1:3 router_id r1", "3:1 router_id \"a#b\"", "4:1 router_id x#y"}},
		{name: "slash comment warns", cite: "decomment: // is not a comment",
			files: map[string]string{"main.conf": "advert_int 1 // one second\n"},
			want:  []string{"1:1 advert_int 1 // one second"}, finds: []string{"main.conf:1:14: warning: \"//\" is not a comment"}},
		{name: "config id", cite: "read_line: @ID keeps the line for that id, @^ID for any other",
			files: map[string]string{"main.conf": "@r1 priority 150\n@^r1 priority 100\n@r2 priority 50\n@r1\n"}, id: "r1",
			want: []string{"1:5 priority 150"}},
		{name: "no config id", cite: "read_line: without -i no @ID matches and every @^ID does",
			files: map[string]string{"main.conf": "@r1 priority 150\n@^r1 priority 100\n"},
			want:  []string{"2:6 priority 100"}},
		{name: "lazy definitions", cite: "check_definition stores text; replace_param substitutes at use and rescans",
			files: map[string]string{"main.conf": "$A=${B}0\n$B=1\nprio $A\n$B=2\nprio $A\n"},
			want:  []string{"3:1 prio 10", "5:1 prio 20"}},
		{name: "bare name must end", cite: "find_definition: $NAME ends at a blank, ',' , ')' or the end; ${NAME} anywhere",
			files: map[string]string{"main.conf": "$V=10.0.0.1\nvip $V/24\nvip ${V}/24\n"},
			want:  []string{"2:1 vip $V/24", "3:1 vip 10.0.0.1/24"}},
		{name: "multiline definition", cite: "read_line multiline_param_def: lines ending in \\ continue the definition",
			files: map[string]string{"main.conf": "$BLK=a 1 \\\n  b 2 \\\n  c 3\n$BLK\n"},
			want:  []string{"4:1 a 1", "4:1 b 2", "4:1 c 3"}},
		{name: "continuation outside a definition", cite: "alloc_strvec: missing escape char at end drops the line",
			files: map[string]string{"main.conf": "router_id a \\\nb\n"},
			want:  []string{"2:1 b"}, finds: []string{"main.conf:1:1: warning: line ends in '\\'"}},
		{name: "seq", cite: "add_seq: ~SEQ(var, start, step, end) repeats the rest of the line",
			files: map[string]string{"main.conf": "~SEQ(n, 1, 2, 5) rs 10.0.0.$n\n~SEQx(h, 9, 11) x $h\n~SEQ(m, 2) y $m\n"},
			want:  []string{"1:1 rs 10.0.0.1", "1:1 rs 10.0.0.3", "1:1 rs 10.0.0.5", "2:1 x 9", "2:1 x a", "2:1 x b", "3:1 y 1", "3:1 y 2"}},
		{name: "lst", cite: "add_lst: one variable or {a,b} with value sets, missing values blank",
			files: map[string]string{"main.conf": "~LST(i, eth0, eth1) if $i\n~LST({a,b}, {1,2}, {3}) p ${a}-$b\n"},
			want:  []string{"1:1 if eth0", "1:1 if eth1", "2:1 p 1-2", "2:1 p 3-"}},
		{name: "seq bomb", cite: "add_seq has no bound; we refuse before expanding",
			files: map[string]string{"main.conf": "~SEQ(a, 1, 100000000) x\n"},
			finds: []string{"main.conf:1:1: error: ~SEQ(a, 1, 100000000) would make 100000000 lines"}},
		{name: "include glob braces relative", cite: "check_include/open_glob_file: GLOB_BRACE, relative to the including file (chdir)",
			files: map[string]string{"main.conf": "include conf.d/{b,a}.conf\nlast\n", "conf.d/a.conf": "a\ninclude sub/*.conf\n", "conf.d/b.conf": "b\n", "conf.d/sub/c.conf": "c\n"},
			want:  []string{"conf.d/a.conf:1:1 a", "conf.d/sub/c.conf:1:1 c", "conf.d/b.conf:1:1 b", "2:1 last"}},
		{name: "include loop", cite: "keepalived has no loop check: it would recurse until out of files",
			files: map[string]string{"main.conf": "include a.conf\n", "a.conf": "include main.conf\n"},
			finds: []string{"a.conf:1:1: error: include loop: main.conf -> a.conf -> main.conf"}},
		{name: "include outside", cite: "the reader reads only inside its fs.FS",
			files: map[string]string{"main.conf": "include ../etc/x.conf\ninclude /etc/keepalived/y.conf\n"},
			finds: []string{"main.conf:1:1: error: include ../etc/x.conf: outside", "main.conf:2:1: error: include /etc/keepalived/y.conf: absolute path"}},
		{name: "includer no match is an error", cite: "open_and_check_glob: INCLUDE_R makes no match an error",
			files: map[string]string{"main.conf": "include none/*.conf\nincluder none/*.conf\n"},
			finds: []string{"main.conf:1:1: warning: include none/*.conf: no file matches", "main.conf:2:1: error: includer none/*.conf: no file matches"}},
		{name: "binary", cite: "a NUL byte is not keepalived.conf text",
			files: map[string]string{"main.conf": "include bin.conf\n", "bin.conf": "ok\nab\x00c\n"},
			finds: []string{"bin.conf:2:3: error: binary file refused"}},
		{name: "self-growing definition", cite: "replace_param stops at MAXBUF; we bound the line",
			files: map[string]string{"main.conf": "$A=${A}${A}\nx $A\n"},
			finds: []string{"main.conf:2:1: error: "}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			lines, finds := readAll(tc.files, tc.id, Limits{})
			if strings.Join(lines, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("%s\nlines got\n%s\nwant\n%s", tc.cite, strings.Join(lines, "\n"), strings.Join(tc.want, "\n"))
			}
			if len(finds) != len(tc.finds) {
				t.Fatalf("%s\nfindings got %q, want %d like %q", tc.cite, finds, len(tc.finds), tc.finds)
			}
			for i, f := range tc.finds {
				if !strings.Contains(finds[i], f) {
					t.Errorf("%s\nfinding %d: got %q, want it to contain %q", tc.cite, i, finds[i], f)
				}
			}
		})
	}
}

func TestReaderLimits(t *testing.T) {
	files := map[string]string{"main.conf": "include a.conf\n", "a.conf": "include b.conf\n", "b.conf": "x\n"}
	_, finds := readAll(files, "", Limits{FileBytes: 100, TotalBytes: 1000, IncludeDepth: 1, Files: 10, Lines: 10, LineBytes: 100, SubstRounds: 4, Steps: 100})
	if len(finds) != 1 || !strings.Contains(finds[0], "a.conf:1:1: error: includes nested deeper than 1") {
		t.Errorf("got %q, want the depth error at a.conf:1:1", finds)
	}
	_, finds = readAll(map[string]string{"main.conf": strings.Repeat("x\n", 60)}, "", Limits{FileBytes: 100, TotalBytes: 1000, IncludeDepth: 1, Files: 10, Lines: 10, LineBytes: 100, SubstRounds: 4, Steps: 100})
	if len(finds) != 1 || !strings.Contains(finds[0], "is 120 bytes: over the limit") {
		t.Errorf("got %q, want the size error", finds)
	}
	// A physical line over LineBytes is refused where it is, as a line
	// grown past it by substitution is; the lines around it are read.
	lim := Limits{FileBytes: 1000, TotalBytes: 1000, IncludeDepth: 1, Files: 10, Lines: 10, LineBytes: 20, SubstRounds: 4, Steps: 100}
	lines, finds := readAll(map[string]string{"main.conf": "a 1\n" + strings.Repeat("x", 21) + "\nb 2\n"}, "", lim)
	if len(finds) != 1 || !strings.Contains(finds[0], "main.conf:2:1: error: line is 21 bytes; limit 20") {
		t.Errorf("got %q, want the line-length error at main.conf:2:1", finds)
	}
	if len(lines) != 2 || lines[0] != "1:1 a 1" || lines[1] != "3:1 b 2" {
		t.Errorf("got lines %q, want the two short ones", lines)
	}
}

func TestExpandBraces(t *testing.T) {
	got := strings.Join(expandBraces("a{b,c{d,e}}f{1,2}", 64), " ")
	want := "abf1 abf2 acdf1 acdf2 acef1 acef2"
	if got != want {
		t.Errorf("got %q, want %q (glob(3) GLOB_BRACE order)", got, want)
	}
	if n := len(expandBraces(strings.Repeat("{a,b}", 20), 64)); n != 64 {
		t.Errorf("got %d expansions, want the cap 64", n)
	}
}
