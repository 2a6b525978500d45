package api

import (
	"context"
	"sync"
	"time"

	"github.com/kennel-sdk/kennel/api/wire"
)

// Section is a part of the dashboard a service written in Go adds
// (Options.Sections): the Kafka service's brokers, topics and
// under-replicated partitions. The dashboard shows it after its own
// sections, in the same event stream (wire.View's Sections).
type Section struct {
	// Name identifies the section (an HTML id); Title is its heading.
	Name, Title string
	// Build computes the section's status and tables; Name and Title are
	// filled in. It is called in the background, never more than once at
	// a time and at most once per SectionInterval while a page watches,
	// and the view holds its latest result, so that a slow or unreachable
	// backend never holds up the plans. An error shows as the section's
	// status.
	Build func(ctx context.Context) (wire.ViewSection, error)
}

// SectionInterval is how often a Section is rebuilt while the dashboard
// is watched; sectionTimeout bounds one build.
const (
	SectionInterval = 2 * time.Second
	sectionTimeout  = 30 * time.Second
)

// sectionState is a Section's latest build.
type sectionState struct {
	Section
	mu       sync.Mutex
	started  time.Time // of the latest build; zero before the first
	building bool
	latest   wire.ViewSection
}

func newSections(in []Section) []*sectionState {
	out := make([]*sectionState, len(in))
	for i, s := range in {
		if s.Name == "" || s.Build == nil {
			panic("api: a dashboard section needs a name and a Build function")
		}
		out[i] = &sectionState{Section: s, latest: wire.ViewSection{Name: s.Name, Title: s.Title,
			Status: "Loading…", Tables: []wire.ViewTable{}}}
	}
	return out
}

// current is the latest build, starting the next one when the latest is
// older than SectionInterval and none runs.
func (s *sectionState) current(now time.Time) wire.ViewSection {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.building && (s.started.IsZero() || now.Sub(s.started) >= SectionInterval) {
		s.building, s.started = true, now
		go s.build()
	}
	return s.latest
}

func (s *sectionState) build() {
	ctx, cancel := context.WithTimeout(context.Background(), sectionTimeout)
	defer cancel()
	v, err := s.Build(ctx)
	v.Name, v.Title = s.Name, s.Title
	if err != nil {
		v = wire.ViewSection{Name: s.Name, Title: s.Title, Status: "Unavailable: " + err.Error(), Error: true}
	}
	if v.Tables == nil {
		v.Tables = []wire.ViewTable{}
	}
	for i := range v.Tables {
		if v.Tables[i].Rows == nil {
			v.Tables[i].Rows = [][]string{}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latest, s.building = v, false
}
