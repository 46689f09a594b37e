package plot

import (
	"image/color"
	"strconv"

	"github.com/vrrpsim/vrrpsim/reports"
	"github.com/vrrpsim/vrrpsim/sim"
)

// rowPriority is the Kind of a state-timeline row that shows an instance's
// effective priority over time (issue 15 part 4).
const rowPriority = "priority"

// colPriority fills the spans of a priority row: a colour no state uses,
// dark enough for the white value labels.
var colPriority = color.NRGBA{0x94, 0x67, 0xbd, 0xff}

// priorityRows returns one row per instance whose effective priority
// changed during the run (a weighted track or set_priority): a span per
// value, labelled with it, from time 0 to end. Instances whose priority
// never moved get no row, so their plots are unchanged.
func priorityRows(r *reports.Report, end sim.Time) []Row {
	type key struct{ node, inst string }
	var keys []key
	byKey := map[key][]reports.PriorityChange{}
	for _, p := range r.Priorities {
		k := key{p.Node, p.Instance}
		if _, ok := byKey[k]; !ok {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], p)
	}
	var rows []Row
	for _, k := range keys { // first-change order: the trace's, deterministic
		ps := byKey[k]
		row := Row{Kind: rowPriority, Label: k.node + " " + k.inst + " priority"}
		start, value := sim.Time(0), ps[0].From
		for _, p := range ps {
			at := sim.Time(p.At)
			row.Spans = appendSpan(row.Spans, Span{Start: start, End: at, Value: strconv.FormatInt(value, 10)})
			start, value = at, p.To
		}
		row.Spans = appendSpan(row.Spans, Span{Start: start, End: end, Value: strconv.FormatInt(value, 10)})
		rows = append(rows, row)
	}
	return rows
}

// spanColor colours a state-timeline span: by state, or colPriority on a
// priority row.
func spanColor(r Row, s Span) color.Color {
	if r.Kind == rowPriority {
		return colPriority
	}
	return stateColor(s.Value)
}
