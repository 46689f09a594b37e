package sweep

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/vrrpsim/vrrpsim/reports"
)

// MetaFile is the name of the file that describes a sweep next to its
// runs.csv, so a merge can tell a complete set of shards from one with
// a shard missing at the end.
const MetaFile = "sweep.json"

// Meta describes the sweep that wrote a directory.
type Meta struct {
	Scenario string   `json:"scenario"`
	Sets     []string `json:"sets"`
	Runs     int      `json:"runs"`      // seeds per grid point
	Seed     uint64   `json:"seed"`      // first seed
	Points   int      `json:"points"`    // parameter combinations
	GridRuns int      `json:"grid_runs"` // Points * Runs: runs of the whole grid
	Shard    string   `json:"shard,omitempty"`
	First    int      `json:"first_run"` // runs First..Last-1 are in this directory
	Last     int      `json:"end_run"`
}

// WriteJSON writes m as indented JSON.
func (m Meta) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// ReadMeta reads a sweep.json.
func ReadMeta(path string) (Meta, error) {
	var m Meta
	f, err := reports.OpenInput(path)
	if err != nil {
		return m, err
	}
	defer f.Close()
	// A sweep.json is a few hundred bytes; a shard is untrusted input.
	const maxMeta = 1 << 20
	b, err := io.ReadAll(io.LimitReader(f, maxMeta+1))
	if err != nil {
		return m, err
	}
	if len(b) > maxMeta {
		return m, fmt.Errorf("%s: over %d bytes; not a sweep.json written by vrrpsim", path, maxMeta)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("%s: %v", path, err)
	}
	return m, nil
}

// SameSweep tells whether two shards' metas come from the same sweep
// command (everything but the shard and its run range agrees).
func (m Meta) SameSweep(o Meta) bool {
	if m.Scenario != o.Scenario || m.Runs != o.Runs || m.Seed != o.Seed || m.Points != o.Points || m.GridRuns != o.GridRuns || len(m.Sets) != len(o.Sets) {
		return false
	}
	for i := range m.Sets {
		if m.Sets[i] != o.Sets[i] {
			return false
		}
	}
	return true
}
