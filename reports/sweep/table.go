package sweep

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/vrrpsim/vrrpsim/reports"
)

// Header is the column layout of runs.csv:
//
//	run, point, PARAM..., seed, METRIC...
//
// run is the global grid index (what sharding and merging key on), point
// the parameter combination, PARAM the swept values as given, seed the
// run's seed, then the Metrics columns.
type Header struct {
	Cols    []string
	Params  []string
	Metrics []string
}

// NewHeader builds the header of a sweep over params with these metrics.
func NewHeader(params, metrics []string) Header {
	cols := append([]string{"run", "point"}, params...)
	cols = append(cols, "seed")
	cols = append(cols, metrics...)
	return Header{Cols: cols, Params: slices.Clone(params), Metrics: slices.Clone(metrics)}
}

// ParseHeader reads a runs.csv header back.
func ParseHeader(cols []string) (Header, error) {
	if len(cols) < 3 || cols[0] != "run" || cols[1] != "point" {
		return Header{}, fmt.Errorf("not a vrrpsim sweep runs.csv: the header starts %q, want run,point,...,seed,...", strings.Join(cols[:min(len(cols), 3)], ","))
	}
	s := slices.Index(cols[2:], "seed")
	if s < 0 {
		return Header{}, errors.New("not a vrrpsim sweep runs.csv: no seed column in the header")
	}
	h := Header{Cols: slices.Clone(cols), Params: slices.Clone(cols[2 : 2+s]), Metrics: slices.Clone(cols[3+s:])}
	// A shard is untrusted input: a metric's base name becomes a plot's
	// file name (<base>.svg), so it must be a plain name (issue 13).
	for _, m := range h.Metrics {
		if b := BaseName(m); !plainName(b) {
			return Header{}, fmt.Errorf("not a vrrpsim sweep runs.csv: metric column %q: base name %q is not a plain name; valid: letters, digits and '_', not starting with a digit", m, b)
		}
	}
	return h, nil
}

// plainName reports whether s is a metric base name as vrrpsim writes them
// (detect_s, failover_outage_s): ASCII letters, digits and '_', starting
// with a letter. Such a name is safe as a file name.
func plainName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '_':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// seedCol is the index of the seed column.
func (h Header) seedCol() int { return 2 + len(h.Params) }

// Row builds a runs.csv row. Metrics the header lacks (a swept value
// renamed a flow, say; the header comes from run 0 of the grid) are left
// out and returned, so the caller can warn about them.
func (h Header) Row(run, point int, params []string, seed uint64, metrics []Metric) (row []string, unknown []string) {
	row = make([]string, len(h.Cols))
	row[0], row[1] = strconv.Itoa(run), strconv.Itoa(point)
	copy(row[2:2+len(h.Params)], params)
	row[h.seedCol()] = strconv.FormatUint(seed, 10)
	base := h.seedCol() + 1
	for i, m := range metrics {
		// Metrics usually come in header order; look names up otherwise.
		if i < len(h.Metrics) && h.Metrics[i] == m.Name {
			row[base+i] = m.Value
			continue
		}
		j := slices.Index(h.Metrics, m.Name)
		if j < 0 {
			unknown = append(unknown, m.Name)
			continue
		}
		row[base+j] = m.Value
	}
	return row, unknown
}

// Writer streams rows to runs.csv and runs.json as they come.
type Writer struct {
	h    Header
	csv  reports.CSVWriter // cells neutralised against formulas (issue 13)
	json *bufio.Writer
	keys [][]byte // the params' then the metrics' names as JSON strings, quoted once
	buf  []byte   // a JSON row, reused
	n    int
}

// NewWriter writes the CSV header and opens the JSON array. Either output
// may be nil.
func NewWriter(csvOut, jsonOut io.Writer, h Header) (*Writer, error) {
	w := &Writer{h: h}
	if csvOut != nil {
		w.csv = reports.NewCSVWriter(csvOut)
		if err := w.csv.Write(h.Cols); err != nil {
			return nil, err
		}
	}
	if jsonOut != nil {
		w.json = bufio.NewWriter(jsonOut)
		w.json.WriteString("[")
		for _, name := range append(slices.Clip(h.Params), h.Metrics...) {
			w.keys = append(w.keys, appendJSONString(nil, name))
		}
	}
	return w, nil
}

// Write appends one row.
func (w *Writer) Write(row []string) error {
	if len(row) != len(w.h.Cols) {
		return fmt.Errorf("sweep: row of %d cells for %d columns", len(row), len(w.h.Cols))
	}
	if w.csv.Writer != nil {
		if err := w.csv.Write(row); err != nil {
			return err
		}
	}
	if w.json != nil {
		if w.n > 0 {
			w.json.WriteString(",")
		}
		w.json.WriteString("\n")
		w.buf = w.appendJSONRow(w.buf[:0], row)
		w.json.Write(w.buf)
	}
	w.n++
	return nil
}

// Close ends the JSON array and flushes both outputs.
func (w *Writer) Close() error {
	if w.csv.Writer != nil {
		w.csv.Flush()
		if err := w.csv.Error(); err != nil {
			return err
		}
	}
	if w.json != nil {
		w.json.WriteString("\n]\n")
		return w.json.Flush()
	}
	return nil
}

// appendJSONRow renders a row as
//
//	{"run":0,"point":0,"set":{"PATH":"1s"},"seed":1,"metrics":{"detect_s[...]":3.02,...}}
//
// Metric cells that are plain decimals become numbers, empty cells null,
// anything else a string; the same rule for a sweep and a merge, so both
// give the same bytes.
func (w *Writer) appendJSONRow(b []byte, row []string) []byte {
	h := w.h
	b = append(b, `{"run":`...)
	b = append(b, jsonNumber(row[0])...)
	b = append(b, `,"point":`...)
	b = append(b, jsonNumber(row[1])...)
	b = append(b, `,"set":{`...)
	for i := range h.Params {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, w.keys[i]...)
		b = append(b, ':')
		b = appendJSONString(b, row[2+i])
	}
	b = append(b, `},"seed":`...)
	b = append(b, jsonNumber(row[h.seedCol()])...)
	b = append(b, `,"metrics":{`...)
	for i := range h.Metrics {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, w.keys[len(h.Params)+i]...)
		b = append(b, ':')
		b = append(b, jsonNumber(row[h.seedCol()+1+i])...)
	}
	return append(b, "}}"...)
}

// jsonNumber returns a cell as a JSON number if it is a canonical decimal,
// null if empty, a JSON string otherwise.
func jsonNumber(cell string) string {
	if cell == "" {
		return "null"
	}
	var buf [32]byte
	if m, sc, ok := parseDecimal(cell); ok && string(appendDecimal(buf[:0], m, sc)) == cell {
		return cell
	}
	return string(appendJSONString(nil, cell))
}

func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}

// Merge reads sweep runs.csv shards and calls emit with their common
// header, then with every row in grid order (ascending run). It streams:
// each shard is read once, one row at a time. The shards must have equal
// headers, each in grid order, no run twice, and together cover runs 0..N
// with no gap. names are used in errors.
func Merge(inputs []io.Reader, names []string, header func(Header) error, emit func(row []string) error) error {
	if len(inputs) == 0 {
		return errors.New("merge: no shards given")
	}
	type shard struct {
		r    *csv.Reader
		name string
		row  []string
		run  int
		line int
	}
	var h Header
	shards := make([]*shard, len(inputs))
	for i, in := range inputs {
		s := &shard{r: csv.NewReader(in), name: names[i]}
		s.r.ReuseRecord = false
		cols, err := s.r.Read()
		if err != nil {
			if err == io.EOF {
				return fmt.Errorf("merge: %s is empty; want a sweep runs.csv", s.name)
			}
			return fmt.Errorf("merge: %s: %v", s.name, err)
		}
		if i == 0 {
			if h, err = ParseHeader(cols); err != nil {
				return fmt.Errorf("merge: %s: %v", s.name, err)
			}
		} else if !slices.Equal(cols, h.Cols) {
			return fmt.Errorf("merge: %s has a different header from %s (%s); shards must come from the same sweep command", s.name, names[0], headerDiff(h.Cols, cols))
		}
		shards[i] = s
	}
	if err := header(h); err != nil {
		return err
	}
	advance := func(s *shard) error {
		prev := s.run
		row, err := s.r.Read()
		if err == io.EOF {
			s.row = nil
			return nil
		}
		if err != nil {
			return fmt.Errorf("merge: %s: %v", s.name, err)
		}
		line, _ := s.r.FieldPos(0)
		run, err := strconv.Atoi(row[0])
		if err != nil || run < 0 {
			return fmt.Errorf("merge: %s:%d: run %q is not a grid index", s.name, line, row[0])
		}
		if s.row != nil && run <= prev {
			return fmt.Errorf("merge: %s:%d: run %d after run %d; want rows in grid order as sweep writes them", s.name, line, run, prev)
		}
		s.row, s.run, s.line = row, run, line
		return nil
	}
	for _, s := range shards {
		s.row = nil
		if err := advance(s); err != nil {
			return err
		}
	}
	next := 0
	for {
		var best *shard
		for _, s := range shards {
			if s.row != nil && (best == nil || s.run < best.run) {
				best = s
			}
		}
		if best == nil {
			if next == 0 {
				return errors.New("merge: the shards hold no runs")
			}
			return nil
		}
		for _, s := range shards {
			if s != best && s.row != nil && s.run == best.run {
				return fmt.Errorf("merge: run %d is in both %s:%d and %s:%d; each run must come from one shard", best.run, best.name, best.line, s.name, s.line)
			}
		}
		if best.run != next {
			return fmt.Errorf("merge: runs %d..%d are missing (first present after them: %s:%d); is a shard missing?", next, best.run-1, best.name, best.line)
		}
		if err := emit(best.row); err != nil {
			return err
		}
		next++
		if err := advance(best); err != nil {
			return err
		}
	}
}

// headerDiff names the first column where two headers differ.
func headerDiff(a, b []string) string {
	for i := 0; i < min(len(a), len(b)); i++ {
		if a[i] != b[i] {
			return fmt.Sprintf("column %d is %q, not %q", i+1, b[i], a[i])
		}
	}
	return fmt.Sprintf("%d columns, not %d", len(b), len(a))
}
