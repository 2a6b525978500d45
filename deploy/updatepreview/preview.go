// Package updatepreview says what `kennel update start --dry-run` would
// do, without doing it: it compares the installed scheduler app with the
// app an update would render, renders the ServiceSpec both apps give the
// scheduler, and asks servicespec.CompareUpdate what each pod instance
// would do and what the scheduler would refuse.
//
// The package is pure: it takes decoded apps and the spec files as an
// fs.FS, and does no IO of its own.
package updatepreview

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"

	"github.com/kennel-sdk/kennel/servicespec"
)

// DefaultSpecFile is the spec's name in Input.Spec when SpecFile is empty.
const DefaultSpecFile = "svc.yml"

// defaultsFile holds the spec's defaults beside it, as the scheduler reads
// them (svc.env), under the app's env.
const defaultsFile = "svc.env"

// ErrBadInput wraps every error about the input: a missing app, an app
// without its options label, env values that are not strings, a spec that
// cannot be read, an installed configuration that does not load.
var ErrBadInput = errors.New("update preview")

// Input is what a preview compares.
type Input struct {
	// Installed is the scheduler's Marathon app as installed (as GET
	// /v2/apps/<id> gives it, or as rendered at install time), decoded
	// from JSON.
	Installed map[string]any
	// Update is the app the update would put in its place, as rendered
	// from the package with the new options.
	Update map[string]any
	// Spec holds the new package's service directory: SpecFile, its
	// svc.env defaults (optional) and its config templates.
	Spec fs.FS
	// SpecFile names the spec in Spec; it also names the spec in errors.
	// Empty means DefaultSpecFile.
	SpecFile string
	// InstalledSpec holds the installed package's service directory when
	// it differs from Spec (an update to another package version); nil
	// means Spec.
	InstalledSpec fs.FS
	// Target, when set, is the scheduler's stored target configuration
	// (its canonical JSON, GET /v1/configurations/target): the
	// configuration the update is compared with, rather than the spec the
	// installed app renders. It is the more exact of the two when the
	// scheduler is reachable.
	Target []byte
	// InPlace, when set, is the service's classification of the changes
	// its running tasks take without a restart (the scheduler's
	// runtime.Extension.InPlace): an instance changed only so is InPlace,
	// not Restart.
	InPlace servicespec.InPlaceFunc
}

// Report is the outcome of a preview. Its JSON field names are stable;
// slices are never null.
type Report struct {
	// Options lists the changes to the user's options (the apps'
	// DCOS_PACKAGE_OPTIONS labels), sorted by path.
	Options []Change `json:"options"`
	// App says how the scheduler's Marathon app changes.
	App AppReport `json:"app"`
	// Spec says how the rendered ServiceSpec changes, or why the new one
	// is invalid.
	Spec SpecReport `json:"spec"`
	// Instances lists what each pod instance of either spec would do, in
	// spec order; empty when the update is refused or the spec invalid.
	Instances []Instance `json:"instances"`
	// Refused lists the changes the scheduler would refuse: with any, the
	// scheduler keeps its old target and reports them as plan errors.
	Refused []Refusal `json:"refused"`
	// Notices are allowed changes that do not take effect everywhere.
	Notices []string `json:"notices"`
	// Plan is the plan that would roll the update out: the deploy plan,
	// which the new spec's `update` plan shapes once the service has
	// deployed (as in DC/OS Commons); empty when the update is refused or
	// the spec invalid.
	Plan PlanReport `json:"plan"`
}

// PlanReport is the shape of the plan that rolls an update out.
type PlanReport struct {
	// From names the spec's plan it is made from: "update", "deploy", or
	// "" (the default plan: a serial phase per pod).
	From     string        `json:"from"`
	Strategy string        `json:"strategy"`
	Phases   []PhaseReport `json:"phases"`
}

// PhaseReport is one phase: it rolls Pod's instances (those Instances
// says restart or launch), or runs the service's Action.
type PhaseReport struct {
	Name     string `json:"name"`
	Strategy string `json:"strategy"`
	Pod      string `json:"pod,omitempty"`
	Action   string `json:"action,omitempty"`
}

// planOf is the plan that rolls an update to spec out.
func planOf(spec *servicespec.ServiceSpec) PlanReport {
	pr := PlanReport{Phases: []PhaseReport{}}
	for _, name := range []string{"update", "deploy"} {
		if p := spec.Plan(name); p != nil {
			pr.From, pr.Strategy = name, p.Strategy
			for _, ph := range p.Phases {
				pr.Phases = append(pr.Phases, PhaseReport{Name: ph.Name, Strategy: ph.Strategy, Pod: ph.Pod, Action: ph.Action})
			}
			return pr
		}
	}
	pr.Strategy = "serial"
	for _, pod := range spec.Pods {
		pr.Phases = append(pr.Phases, PhaseReport{Name: pod.Name, Strategy: "serial", Pod: pod.Name})
	}
	return pr
}

// ChangeKind is how a JSON value changes.
type ChangeKind string

// Change kinds.
const (
	Added   ChangeKind = "added"
	Removed ChangeKind = "removed"
	Changed ChangeKind = "changed"
)

// Change is one changed JSON value: Old is absent when added, New when
// removed.
type Change struct {
	Path string          `json:"path"`
	Kind ChangeKind      `json:"kind"`
	Old  json.RawMessage `json:"old,omitempty"`
	New  json.RawMessage `json:"new,omitempty"`
}

// AppReport is how the scheduler's app changes.
type AppReport struct {
	// Restarts is true when the apps differ in anything at all (options
	// label included): Marathon then redeploys the scheduler.
	Restarts bool `json:"restarts"`
	// Changes lists the app's changes, sorted by path, but for the
	// DCOS_PACKAGE_* labels other than DCOS_PACKAGE_VERSION (the options
	// are under Options; the others follow from the package). Outside env
	// and labels, fields only the installed app has are left out: they
	// are Marathon's defaults and status, which an update does not set.
	Changes []Change `json:"changes"`
}

// SpecReport is how the rendered ServiceSpec changes.
type SpecReport struct {
	// File names the spec.
	File string `json:"file"`
	// From says what the old spec is: "installed app" (rendered with the
	// installed app's env) or "scheduler target" (Input.Target).
	From string `json:"from"`
	// OldID and NewID are the configuration ids (servicespec's ID); NewID
	// is empty when the new spec is invalid.
	OldID string `json:"old_id"`
	NewID string `json:"new_id"`
	// Diff is a unified diff of the canonical specs as YAML; empty when
	// they are equal or the new spec is invalid.
	Diff string `json:"diff"`
	// Errors lists why the new spec is invalid, with positions in File.
	Errors []SpecError `json:"errors"`
}

// SpecError is one problem of the new spec.
type SpecError struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
	Path   string `json:"path,omitempty"`
	Msg    string `json:"message"`
}

// Action is what a pod instance would do.
type Action string

// Actions, from least to most disruptive.
const (
	Stay Action = "stay"
	// InPlace: the instance keeps running; the service applies the
	// change to it (a Kafka broker's dynamic configs).
	InPlace      Action = "in-place"
	Restart      Action = "restart"
	Launch       Action = "launch"
	Decommission Action = "decommission"
)

// Instance is what one pod instance would do, and why.
type Instance struct {
	Instance string   `json:"instance"`
	Pod      string   `json:"pod"`
	Index    int      `json:"index"`
	Action   Action   `json:"action"`
	Reasons  []string `json:"reasons"`
}

// Refusal is one change the scheduler would refuse.
type Refusal struct {
	Path string `json:"path"`
	Msg  string `json:"message"`
}

// Preview compares in.Installed with in.Update and says what the update
// would do. Problems of the input are errors wrapping ErrBadInput; a new
// spec that does not load is not an error but the report's Spec.Errors.
func Preview(in Input) (Report, error) {
	r := Report{Options: []Change{}, Instances: []Instance{}, Refused: []Refusal{}, Notices: []string{}, Plan: PlanReport{Phases: []PhaseReport{}},
		App: AppReport{Changes: []Change{}}, Spec: SpecReport{Errors: []SpecError{}}}
	if in.Installed == nil || in.Update == nil {
		return r, fmt.Errorf("%w: both the installed and the updated app are required", ErrBadInput)
	}
	if in.Spec == nil {
		return r, fmt.Errorf("%w: the spec files are required", ErrBadInput)
	}
	file := in.SpecFile
	if file == "" {
		file = DefaultSpecFile
	}
	r.Spec.File = file
	var err error
	if r.Options, err = optionChanges(in.Installed, in.Update); err != nil {
		return r, err
	}
	if r.App, err = appChanges(in.Installed, in.Update); err != nil {
		return r, err
	}
	oldSpec, err := installedSpec(in, file, &r.Spec)
	if err != nil {
		return r, err
	}
	r.Spec.OldID = oldSpec.ID()
	newSpec, err := loadSpec(in.Spec, file, in.Update)
	var list servicespec.ErrorList
	switch {
	case errors.As(err, &list):
		for _, e := range list {
			r.Spec.Errors = append(r.Spec.Errors, SpecError{File: e.File, Line: e.Pos.Line, Column: e.Pos.Column, Path: e.Path, Msg: e.Msg})
		}
		return r, nil
	case err != nil:
		return r, err
	}
	r.Spec.NewID = newSpec.ID()
	r.Spec.Diff = unifiedDiff(string(oldSpec.YAML()), string(newSpec.YAML()), file+" ("+r.Spec.From+")", file+" (update)")
	u := servicespec.CompareUpdate(oldSpec, newSpec)
	u.InPlace(oldSpec, newSpec, in.InPlace)
	for _, v := range u.Forbidden {
		r.Refused = append(r.Refused, Refusal{Path: v.Path, Msg: v.Msg})
	}
	r.Notices = append(r.Notices, u.Notices...)
	if !u.Allowed() {
		return r, nil
	}
	for _, iu := range u.Instances {
		r.Instances = append(r.Instances, Instance{Instance: iu.Instance, Pod: iu.Pod, Index: iu.Index,
			Action: action(iu.Action), Reasons: append([]string{}, iu.Reasons...)})
	}
	r.Plan = planOf(newSpec)
	return r, nil
}

func action(a servicespec.Action) Action {
	switch a {
	case servicespec.ActionInPlace:
		return InPlace
	case servicespec.ActionRestart:
		return Restart
	case servicespec.ActionLaunch:
		return Launch
	case servicespec.ActionDecommission:
		return Decommission
	default:
		return Stay
	}
}

// installedSpec is the configuration the update is compared with.
func installedSpec(in Input, file string, sr *SpecReport) (*servicespec.ServiceSpec, error) {
	if len(in.Target) > 0 {
		sr.From = "scheduler target"
		s, err := servicespec.Decode("target", in.Target)
		if err != nil {
			return nil, fmt.Errorf("%w: the scheduler's target configuration: %w", ErrBadInput, err)
		}
		return s, nil
	}
	sr.From = "installed app"
	files := in.InstalledSpec
	if files == nil {
		files = in.Spec
	}
	s, err := loadSpec(files, file, in.Installed)
	if err != nil {
		return nil, fmt.Errorf("%w: the installed app's env does not render the spec: %w", ErrBadInput, err)
	}
	return s, nil
}

// loadSpec renders the spec as the scheduler the app runs would: svc.env
// beside the spec, under the app's env.
func loadSpec(files fs.FS, file string, app map[string]any) (*servicespec.ServiceSpec, error) {
	data, err := fs.ReadFile(files, file)
	if err != nil {
		return nil, fmt.Errorf("%w: reading the spec: %w", ErrBadInput, err)
	}
	dir := path.Dir(file)
	env := map[string]string{}
	defaults := path.Join(dir, defaultsFile)
	if raw, err := fs.ReadFile(files, defaults); err == nil {
		if env, err = servicespec.ParseEnvFile(defaults, raw); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadInput, err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: reading %s: %w", ErrBadInput, defaults, err)
	}
	appEnv, err := stringEnv(app)
	if err != nil {
		return nil, err
	}
	maps.Copy(env, appEnv)
	templates, err := fs.Sub(files, dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	return servicespec.Load(file, data, servicespec.LoadOptions{Env: env, Templates: templates})
}

// stringEnv is the app's env; a value that is not a string (a Marathon
// secret reference) cannot be rendered here and is refused.
func stringEnv(app map[string]any) (map[string]string, error) {
	env := map[string]string{}
	raw, ok := app["env"]
	if !ok {
		return env, nil
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: the app's env is not an object", ErrBadInput)
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		s, ok := m[k].(string)
		if !ok {
			return nil, fmt.Errorf("%w: env %s is not a string (a secret?): the preview cannot render the spec with it", ErrBadInput, k)
		}
		env[k] = s
	}
	return env, nil
}
