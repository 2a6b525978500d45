package cosmos

import (
	"fmt"
	"net/http"
	"strings"
)

// Error is a Cosmos error: what Cosmos answers as
// {"type": Type, "message": Message, "data": Data} with HTTP status Status.
// The package's operations fail with an *Error for every failure Cosmos
// names; errors.Is(err, ErrX) matches by Type.
type Error struct {
	Type    string
	Message string
	// Data is the error's "data" object, nil for none.
	Data map[string]any
	// Status is the HTTP status Cosmos answers the error with.
	Status int
	// Err is the cause, when there is one (a Marathon error).
	Err error
}

func (e *Error) Error() string { return e.Message }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is matches any *Error of the same Type: the sentinels below are patterns.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Type == e.Type
}

// Sentinels to match with errors.Is; the errors returned carry their own
// message and data.
var (
	ErrPackageNotFound         = &Error{Type: "PackageNotFound"}
	ErrVersionNotFound         = &Error{Type: "VersionNotFound"}
	ErrPackageAlreadyInstalled = &Error{Type: "PackageAlreadyInstalled"}
	ErrJSONSchemaMismatch      = &Error{Type: "JsonSchemaMismatch"}
	ErrOptionsNotAllowed       = &Error{Type: "OptionsNotAllowed"}
	ErrOptionsNotStored        = &Error{Type: "OptionsNotStored"}
	ErrAppIDChanged            = &Error{Type: "AppIdChanged"}
	ErrBadVersionUpdate        = &Error{Type: "BadVersionUpdate"}
	ErrMarathonAppNotFound     = &Error{Type: "MarathonAppNotFound"}
	ErrNotInstalledByCosmos    = &Error{Type: "MarathonAppNotInstalledByCosmos"}
	ErrPackageNotInstalled     = &Error{Type: "PackageNotInstalled"}
	ErrAmbiguousAppID          = &Error{Type: "AmbiguousAppId"}
	ErrMarathonBadResponse     = &Error{Type: "MarathonBadResponse"}
	ErrMarathonBadGateway      = &Error{Type: "MarathonBadGateway"}
	ErrUninstallIncomplete     = &Error{Type: "UninstallIncomplete"}
	ErrInvalidPackage          = &Error{Type: "InvalidPackage"}
	ErrArtifacts               = &Error{Type: "ArtifactsUnavailable"}
)

func packageNotFound(name string, known []string) *Error {
	return &Error{Type: "PackageNotFound", Status: http.StatusBadRequest,
		Message: fmt.Sprintf("Package [%s] not found; the packages are: %s", name, listOrNone(known)),
		Data:    map[string]any{"packageName": name}}
}

func versionNotFound(name, version string, valid []string) *Error {
	return &Error{Type: "VersionNotFound", Status: http.StatusBadRequest,
		Message: fmt.Sprintf("Version [%s] of package [%s] not found; its versions are: %s", version, name, listOrNone(valid)),
		Data:    map[string]any{"packageName": name, "packageVersion": version, "validVersions": strs(valid)}}
}

// appNotFound is Cosmos's MarathonAppNotFound. Its status is 400, as Cosmos
// answers it (CosmosError's default status): the DC/OS Commons CLI reads a 404
// from /cosmos/service/* as "requires Enterprise DC/OS 1.10 or newer" and
// only decodes the typed error ("Unable to find the service named ...") from a
// 400.
func appNotFound(appID string, cause error) *Error {
	return &Error{Type: "MarathonAppNotFound", Status: http.StatusBadRequest, Err: cause,
		Message: fmt.Sprintf("Unable to locate service with marathon appId: [%s]", appID),
		Data:    map[string]any{"appId": appID}}
}

func notInstalledByCosmos(appID string) *Error {
	return &Error{Type: "MarathonAppNotInstalledByCosmos", Status: http.StatusBadRequest,
		Message: fmt.Sprintf("The service [%s] was not installed from a package: its app has no %s label", appID, labelName),
		Data:    map[string]any{"appId": appID}}
}

// listOrNone lists versions for a message.
func listOrNone(vs []string) string {
	if len(vs) == 0 {
		return "(none)"
	}
	return strings.Join(vs, ", ")
}

// strs makes a JSON array of strings, [] rather than null.
func strs(vs []string) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = v
	}
	return out
}
