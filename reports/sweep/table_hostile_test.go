package sweep

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
)

// Issue 13 item 2: a shard's header is untrusted input and its metric base
// names become plot file names (<base>.svg): anything but a plain name is
// refused when the header is read, before any file is written.
func TestParseHeaderRefusesMetricNamesThatAreNotPlainNames(t *testing.T) {
	for _, m := range []string{"../../etc/cron.d/x", "a/b_s", `a\b`, ".hidden", "x y", "x\x1b[2J", "", "9lives", "detect_s\x00"} {
		_, err := ParseHeader([]string{"run", "point", "p", "seed", m})
		if err == nil || !strings.Contains(err.Error(), "is not a plain name") {
			t.Errorf("metric %q: got %v, want a 'not a plain name' error", m, err)
		}
	}
	// Keys in brackets are not part of the file name: they may hold
	// anything the scenario names (flows, hosts, actions).
	for _, m := range []string{"detect_s", "detect_s[crash r1/VI_1]", "arp_move_s[h1/10.0.0.254]"} {
		if _, err := ParseHeader([]string{"run", "point", "p", "seed", m}); err != nil {
			t.Errorf("metric %q: got %v, want it accepted", m, err)
		}
	}
}

// FuzzMergeShard: a shard's runs.csv is untrusted input; merging it never
// panics, and what it accepts has only plain metric base names.
func FuzzMergeShard(f *testing.F) {
	f.Add([]byte("run,point,p,seed,detect_s\n0,0,1s,1,1.5\n1,1,2s,1,2\n"))
	f.Add([]byte("run,point,p,seed,../x_s\n0,0,1s,1,1\n"))
	f.Add([]byte("run,point,seed\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var h Header
		err := Merge([]io.Reader{bytes.NewReader(data)}, []string{"shard.csv"},
			func(hh Header) error { h = hh; return nil },
			func([]string) error { return nil })
		if err != nil {
			return
		}
		for _, m := range h.Metrics {
			if !plainName(BaseName(m)) {
				t.Fatalf("accepted metric %q", m)
			}
		}
	})
}

// Issue 13 item 4: Ctrl-C while the summary plots are drawn stops before
// the next plot (PlotOptions.Stop) with ErrInterrupted.
func TestWritePlotsStops(t *testing.T) {
	h, _ := ParseHeader([]string{"run", "point", "p", "seed", "detect_s"})
	agg := NewAggregator(h, "")
	for i, v := range []string{"1s", "2s"} {
		if err := agg.Add([]string{strconv.Itoa(i), strconv.Itoa(i), v, "1", "1.5"}); err != nil {
			t.Fatal(err)
		}
	}
	stop := make(chan struct{})
	close(stop)
	dir := t.TempDir()
	files, err := agg.Summary().WritePlots(dir, PlotOptions{Stop: stop})
	if !errors.Is(err, ErrInterrupted) || len(files) != 0 {
		t.Errorf("got %v, %v; want ErrInterrupted and no file", files, err)
	}
}
