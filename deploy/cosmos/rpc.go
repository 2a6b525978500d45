package cosmos

// The requests and responses of Cosmos's package and service operations,
// with Cosmos's JSON field names (cosmos-common rpc/v1/model, v2 install
// response, v3 describe response).

// InstallRequest is POST /package/install's body.
type InstallRequest struct {
	PackageName    string         `json:"packageName"`
	PackageVersion string         `json:"packageVersion,omitempty"`
	Options        map[string]any `json:"options,omitempty"`
	AppID          string         `json:"appId,omitempty"`
}

// InstallResponse is its answer (install-response v2).
type InstallResponse struct {
	PackageName      string `json:"packageName"`
	PackageVersion   string `json:"packageVersion"`
	AppID            string `json:"appId,omitempty"`
	PostInstallNotes string `json:"postInstallNotes,omitempty"`
}

// ListRequest is POST /package/list's body.
type ListRequest struct {
	PackageName string `json:"packageName,omitempty"`
	AppID       string `json:"appId,omitempty"`
}

// ListResponse is its answer (list-response v1).
type ListResponse struct {
	Packages []Installation `json:"packages"`
}

// Installation is one installed package.
type Installation struct {
	AppID              string             `json:"appId"`
	PackageInformation PackageInformation `json:"packageInformation"`
}

// PackageInformation holds the installed package's details.
type PackageInformation struct {
	// PackageDefinition is package.json's fields of the installed package.
	PackageDefinition map[string]any `json:"packageDefinition"`
	// ResourceDefinition is its resource.json, when it has one.
	ResourceDefinition map[string]any `json:"resourceDefinition,omitempty"`
}

// DescribeRequest is POST /package/describe's body.
type DescribeRequest struct {
	PackageName    string `json:"packageName"`
	PackageVersion string `json:"packageVersion,omitempty"`
}

// DescribeResponse is its answer (describe-response v3).
type DescribeResponse struct {
	Package map[string]any `json:"package"`
}

// ListVersionsRequest is POST /package/list-versions's body.
type ListVersionsRequest struct {
	PackageName            string `json:"packageName"`
	IncludePackageVersions bool   `json:"includePackageVersions"`
}

// ListVersionsResponse maps each version to its releaseVersion.
type ListVersionsResponse struct {
	Results map[string]string `json:"results"`
}

// UninstallRequest is POST /package/uninstall's body.
type UninstallRequest struct {
	PackageName string `json:"packageName"`
	AppID       string `json:"appId,omitempty"`
	All         bool   `json:"all,omitempty"`
}

// UninstallResponse is its answer.
type UninstallResponse struct {
	Results []UninstallResult `json:"results"`
}

// UninstallResult is one uninstalled app.
type UninstallResult struct {
	PackageName        string `json:"packageName"`
	AppID              string `json:"appId"`
	PackageVersion     string `json:"packageVersion,omitempty"`
	PostUninstallNotes string `json:"postUninstallNotes,omitempty"`
}

// ServiceDescribeRequest is POST /cosmos/service/describe's body.
type ServiceDescribeRequest struct {
	AppID string `json:"appId"`
}

// ServiceDescribeResponse is its answer.
type ServiceDescribeResponse struct {
	Package             map[string]any `json:"package"`
	UpgradesTo          []string       `json:"upgradesTo"`
	DowngradesTo        []string       `json:"downgradesTo"`
	ResolvedOptions     map[string]any `json:"resolvedOptions"`
	UserProvidedOptions map[string]any `json:"userProvidedOptions"`
}

// ServiceUpdateRequest is POST /cosmos/service/update's body.
type ServiceUpdateRequest struct {
	AppID          string         `json:"appId"`
	PackageVersion string         `json:"packageVersion,omitempty"`
	Options        map[string]any `json:"options,omitempty"`
	Replace        bool           `json:"replace"`
}

// ServiceUpdateResponse is its answer.
type ServiceUpdateResponse struct {
	Package              map[string]any `json:"package"`
	ResolvedOptions      map[string]any `json:"resolvedOptions"`
	MarathonDeploymentID string         `json:"marathonDeploymentId"`
}
