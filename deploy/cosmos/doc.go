// Package cosmos is DC/OS's package manager, Cosmos, as a library: it
// installs, lists, describes, updates and uninstalls catalog packages
// (deploy/catalog) as Marathon apps, with Cosmos's semantics
// (reference/catalog-marathon.md §1.7–1.9) and errors.
//
// It works over interfaces it defines: Marathon (satisfied by
// deploy/marathon/client) and AdminRouter (a scheduler's
// /service/<app>/v1/... API, for the DC/OS Commons uninstall; HTTPRouter
// through DC/OS's Admin Router, TaskRouter at the app's task). Packages come
// from a Repository (a directory; see its layout); their artifacts, named
// under {{artifact-dir}} in resource.json, are published by an Artifacts
// (LocalArtifacts: file:// URIs on this host; PublishedArtifacts: a URL).
//
// Differences from Cosmos, each deliberate:
//   - ClusterOptions: options a target cluster needs, merged over the
//     defaults and under the user's options and not recorded (the local
//     cluster cannot resolve the DC/OS names of the packages' defaults);
//   - Update accepts a version in upgradesTo or downgradesTo (open-source
//     Cosmos refuses every version change);
//   - PlanUpdate is Update's dry run (Cosmos has none): the same checks,
//     errors and rendered app, with no Marathon write and no artifact
//     published;
//   - Uninstall waits for the DC/OS Commons uninstall to finish, bounded by
//     its context, where Cosmos answers at once and waits in the background;
//   - describe's upgradesTo leaves out the installed version itself;
//   - the SDK uninstall's PUT also drops the status fields Marathon adds to
//     a GET (tasks, deployments, ...), besides uris and version.
package cosmos
