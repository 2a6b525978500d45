package wire

import "github.com/kennel-sdk/kennel/plans"

// View is what the dashboard (GET /ui, its events at /ui/events) shows:
// one document built from the same Snapshot the API serves, plus the
// stored tasks, endpoints, configurations and offer outcomes. It is a
// Kennel addition with no DC/OS Commons counterpart.
type View struct {
	Service     string `json:"service"`
	FrameworkID string `json:"framework_id,omitempty"`
	// Health is GET /v1/health's code and its reason.
	Health       int    `json:"health"`
	HealthReason string `json:"health_reason"`
	// TargetConfig is the configuration the scheduler deploys; Configs
	// are the stored ones.
	TargetConfig string           `json:"target_config"`
	Configs      []string         `json:"configs"`
	Plans        []ViewPlan       `json:"plans"`
	Pods         []ViewPod        `json:"pods"`
	Endpoints    []ViewEndpoint   `json:"endpoints"`
	Waiting      []ViewOfferSteps `json:"waiting"`
	// Sections are what the service's Go package adds (api.Options.Sections),
	// in its order; absent for a service without any.
	Sections []ViewSection `json:"sections,omitempty"`
}

// ViewSection is a part of the dashboard a service adds: a titled text
// status and tables, so that the page renders any of them alike (the
// Kafka service's brokers, topics and under-replicated partitions).
type ViewSection struct {
	Name  string `json:"name"`
	Title string `json:"title"`
	// Status is one line of text: a summary, or why there is no data.
	Status string `json:"status"`
	// Error is true when Status reports trouble: why the section could
	// not be built, or that what it shows is unhealthy.
	Error  bool        `json:"error,omitempty"`
	Tables []ViewTable `json:"tables"`
}

// ViewTable is a table of a ViewSection: its caption, its column headers
// and its rows of text, each as long as Columns.
type ViewTable struct {
	Caption string     `json:"caption"`
	Columns []string   `json:"columns"`
	Rows    [][]string `json:"rows"`
}

// ViewPlan is a plan's GET /v1/plans/{plan} body with its name.
type ViewPlan struct {
	Name string `json:"name"`
	plans.PlanInfo
}

// ViewPod is a pod instance and its tasks.
type ViewPod struct {
	Type     string     `json:"type"`
	Instance string     `json:"instance"`
	Tasks    []ViewTask `json:"tasks"`
}

// ViewTask is one task: its display status (as GET /v1/pod/status), the
// agent it was launched on, its health check result when it has one
// ("healthy", "unhealthy" or ""), and the configuration it runs.
type ViewTask struct {
	Name     string `json:"name"`
	ID       string `json:"id"`
	Status   string `json:"status,omitempty"`
	Agent    string `json:"agent,omitempty"`
	Hostname string `json:"hostname,omitempty"`
	Health   string `json:"health,omitempty"`
	Config   string `json:"config,omitempty"`
	Message  string `json:"message,omitempty"`
}

// ViewEndpoint is GET /v1/endpoints/{name} with its name.
type ViewEndpoint struct {
	Name string `json:"name"`
	Endpoint
}

// ViewOfferSteps are the latest offer evaluation of a step that has not
// completed: why each offer was refused.
type ViewOfferSteps struct {
	Plan string `json:"plan"`
	StepOutcome
}
