// Package servicespec is the ServiceSpec language: the svc.yml in which a
// service's pods, tasks, resources, volumes, checks and plans are written,
// compatible with DC/OS Commons' YAML schema. It does no IO of its own
// beyond reading config templates from the fs.FS it is given.
//
// # Loading a spec
//
// Load takes a spec through four stages and reports every problem of every
// stage it reaches, not only the first:
//
//  1. Rendering. The file is a Mustache template (package mustache) rendered
//     against an environment, as DC/OS Commons renders svc.yml against the
//     scheduler's environment. {{x}} values are HTML-escaped like
//     mustache.java's, so JSON values are written {{{x}}}. A variable the
//     environment lacks is an error naming it and its lines; a section whose
//     variable is missing is false.
//  2. Parsing. One YAML document (JSON is accepted too). Anchors, aliases and
//     merge keys (<<) work; duplicate keys are errors.
//  3. Decoding. Strict: an unknown key is an error at every level, with a
//     suggestion ("did you mean `memory`?") or a hint when the key belongs to
//     another level. Scalars are typed: a quoted number or boolean is
//     accepted where Jackson accepts one; `key:` with no value is absent.
//  4. Validation. The rules that span fields: resource sets, ports,
//     volumes, names, checks, and plans against pods (see validate.go).
//
// Errors are an ErrorList, each formatted FILE:LINE:COL: PATH: MESSAGE where
// the position is in the file the user wrote (rendering is mapped back) and
// PATH is the dotted field path, such as pods.hello.tasks.server.memory.
//
// # The canonical form
//
// A loaded *ServiceSpec has its defaults applied, and CanonicalJSON writes it
// in the form the scheduler stores as a configuration:
//
//   - the keys are those of svc.yml, so the canonical form is itself a valid
//     spec, read back by Decode;
//   - pods, tasks, plans and phases keep their spec order (it is the deploy
//     order); every other map is sorted by key;
//   - defaults are written out: scheduler.principal (<name>-principal),
//     scheduler.zookeeper (master.mesos:2181), scheduler.user (root), count,
//     allow-decommission, pre-reserved-role (*), share-pid-namespace,
//     seccomp-unconfined, goal (upper case), essential (true),
//     kill-grace-period (0), every health-check and readiness-check field,
//     discovery visibility (CLUSTER), port (0) and advertise, plan and phase
//     strategy (serial; "canary" is written serial-canary);
//   - a single `volume` becomes `volumes` keyed by its path; labels are
//     written "k:v,k:v" sorted by key; placement is written as nested JSON
//     lists with upper-case operators;
//   - every config template's text is stored in its config as
//     template-content, so a configuration carries the templates its tasks
//     need for as long as it is stored.
//
// ID derives a UUID-shaped configuration id from the canonical form, so
// equal specs have equal ids and any change gives a new one.
//
// # Updates
//
// CompareUpdate compares the stored target with a new spec: it lists the
// changes that are forbidden (volumes, user, principal, pre-reserved role,
// network regime, removing pods or shrinking count without
// allow-decommission) or says, per pod instance, whether it restarts in
// place, launches, decommissions or stays, and why.
//
// # Fields not supported yet
//
// Some fields of the language need infrastructure Kennel's runtime does not
// have yet (container images, CNI networks, secrets, TLS provisioning,
// external and host volumes, GPUs, seccomp, shared memory, resource limits,
// volume profiles, ...). They are parsed and validated like every other
// field, and Load refuses a spec that sets one with
// "FILE:LINE:COL: PATH: is not supported by Kennel yet: WHY" rather than
// ignore it. The list lives in one place, notSupported (unsupported.go).
package servicespec
