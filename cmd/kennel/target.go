package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kennel-sdk/kennel/api/client"
	"github.com/kennel-sdk/kennel/deploy/local"
)

// dcosPrefix starts the name the binary runs under as a DC/OS CLI
// subcommand: invoked as dcos-kafka, it drives the service "kafka".
const dcosPrefix = "dcos-"

// dcosModule returns the DC/OS CLI module the program name (argv[0]'s
// base name) stands for, or "" when it is not dcos-<module>.
func dcosModule(program string) string {
	program = strings.TrimSuffix(program, ".exe")
	if m, ok := strings.CutPrefix(program, dcosPrefix); ok {
		return m
	}
	return ""
}

// cliArgs drops the module name the DC/OS CLI repeats as the first
// argument (`dcos kafka plan list` runs `dcos-kafka kafka plan list`).
func cliArgs(module string, args []string) []string {
	if module != "" && len(args) > 0 && args[0] == module {
		return args[1:]
	}
	return args
}

// apiFlags say where a service's scheduler API is and how to talk to it.
// Every command group that talks to a scheduler registers them as
// persistent flags.
type apiFlags struct {
	url, token, tokenFile, caFile, name, dataDir string
	insecure                                     bool
	// module is the DC/OS CLI module when running as dcos-<module>.
	module string
}

const apiFlagsHelp = `
The scheduler is, first match wins: --url; --name, a service on the local
cluster (kennel local up --service records its scheduler's URL in the
cluster's data dir); $KENNEL_URL. A token (--token, --token-file or
$KENNEL_TOKEN) is sent as "Authorization: Bearer <token>". Run as
dcos-<module>, the binary finds the scheduler through DC/OS: see
"kennel help dcos".`

// dcosHelp is the help topic "kennel help dcos": how the service
// commands find the scheduler when the binary runs as a DC/OS CLI module.
const dcosHelp = `Run as dcos-<module> (a symlink to kennel), the binary is a DC/OS CLI module:
"dcos <module> plan status" runs "dcos-<module> <module> plan status", and the
service commands (plan, pod, endpoints, debug, state, tls, update, describe,
and a Go service's own) talk to a service on the DC/OS cluster the DC/OS CLI
is attached to.

Without --url, the scheduler is the service --name, else the DC/OS CLI's
<module>.service_name ($DCOS_<MODULE>_SERVICE_NAME or [<module>] service_name
in its dcos.toml), else <module> without a leading "beta-", behind the Admin
Router of the cluster: <core.dcos_url>/service/<name>. $DCOS_URL,
$DCOS_ACS_TOKEN or the CLI's dcos.toml give its URL, token (sent as
"token=<token>"; "dcos auth login" sets it) and TLS verification
(core.ssl_verify: true, false, or a CA bundle's path).`

// dcosHelpCommand is the help topic "dcos": a command that does nothing
// but carry dcosHelp, listed under "Additional help topics".
func dcosHelpCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "dcos",
		Short: "Running kennel as a DC/OS CLI module (dcos-<module>)",
		Long:  dcosHelp,
	}
}

// newAPIFlags registers the flags on group, whose Long help they extend.
func newAPIFlags(group *cobra.Command, module string) *apiFlags {
	f := &apiFlags{module: module}
	group.Long = strings.TrimSpace(group.Long + "\n" + apiFlagsHelp)
	fl := group.PersistentFlags()
	fl.StringVar(&f.url, "url", "", "the scheduler API's base `URL` (http://host:port or https://cluster/service/NAME; $KENNEL_URL)")
	fl.StringVar(&f.token, "token", "", "send `TOKEN` as the Authorization header ($KENNEL_TOKEN)")
	fl.StringVar(&f.tokenFile, "token-file", "", "read the token from `FILE`")
	fl.BoolVar(&f.insecure, "insecure", false, "do not verify the server's TLS certificate")
	fl.StringVar(&f.caFile, "ca-file", "", "verify the server's TLS certificate against the PEM certificates in `FILE`")
	fl.StringVar(&f.name, "name", "", "the service's `NAME` (the local cluster's, or DC/OS's when run as dcos-<module>)")
	fl.StringVar(&f.dataDir, "data-dir", "", "with --name: the local cluster's data `DIR` (default ~/.local/share/kennel/local)")
	return f
}

// errNoScheduler: nothing says where the scheduler is.
var errNoScheduler = errors.New("no scheduler to talk to: set --url or $KENNEL_URL, or --name for a service on the local cluster")

// client returns a client for the scheduler the flags designate.
func (f *apiFlags) client() (*client.Client, error) {
	if f.url != "" && f.name != "" {
		return nil, errors.New("--url and --name are exclusive")
	}
	token, err := f.explicitToken()
	if err != nil {
		return nil, err
	}
	var opts []client.Option
	if f.insecure {
		opts = append(opts, client.WithInsecureSkipVerify())
	}
	if f.caFile != "" {
		opts = append(opts, client.WithCAFile(f.caFile))
	}
	switch {
	case f.url != "":
		return newClient(f.url, token, f.module != "", opts)
	case f.module != "":
		return f.dcosClient(token, opts)
	case f.name != "":
		url, err := f.localURL()
		if err != nil {
			return nil, err
		}
		return newClient(url, token, false, opts)
	case os.Getenv("KENNEL_URL") != "":
		return newClient(os.Getenv("KENNEL_URL"), token, false, opts)
	}
	return nil, errNoScheduler
}

// newClient makes a client that sends token, if any, as DC/OS does
// (token=...) or as a bearer token.
func newClient(url, token string, dcos bool, opts []client.Option) (*client.Client, error) {
	switch {
	case token != "" && dcos:
		opts = append(opts, client.WithDCOSToken(token))
	case token != "":
		opts = append(opts, client.WithBearerToken(token))
	}
	return client.New(url, opts...)
}

// explicitToken is --token, else --token-file's content, else $KENNEL_TOKEN.
func (f *apiFlags) explicitToken() (string, error) {
	switch {
	case f.token != "":
		return f.token, nil
	case f.tokenFile != "":
		b, err := os.ReadFile(f.tokenFile)
		if err != nil {
			return "", fmt.Errorf("--token-file: %w", err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	return os.Getenv("KENNEL_TOKEN"), nil
}

// dcosClient is a client for the service through the DC/OS cluster the
// DC/OS CLI is configured for. Flags win over the DC/OS configuration. The
// service is, as for the DC/OS Commons CLI (reference/dcos-commons.md
// §5.1), --name, else the configuration's <module>.service_name, else
// dcosDefaultService(module).
func (f *apiFlags) dcosClient(token string, opts []client.Option) (*client.Client, error) {
	cfg, err := loadDCOSConfig(f.module)
	if err != nil {
		return nil, err
	}
	service := f.name
	if service == "" {
		service = cfg.serviceName
	}
	if service == "" {
		service = dcosDefaultService(f.module)
	}
	base, err := dcosServiceURL(cfg.url, service)
	if err != nil {
		return nil, err
	}
	if token == "" {
		token = cfg.token
	}
	if !f.insecure && f.caFile == "" {
		switch strings.ToLower(cfg.sslVerify) {
		case "", "true":
		case "false":
			opts = append(opts, client.WithInsecureSkipVerify())
		default:
			opts = append(opts, client.WithCAFile(cfg.sslVerify))
		}
	}
	return newClient(base, token, true, opts)
}

// dcosDefaultService is the service a dcos-<module> binary drives when
// neither --name nor <module>.service_name names one: the module's name
// without a leading "beta-" (dcos-beta-kafka drives kafka).
func dcosDefaultService(module string) string {
	if s, ok := strings.CutPrefix(module, "beta-"); ok && s != "" {
		return s
	}
	return module
}

// localURL reads the API URL the local cluster's service --name recorded.
func (f *apiFlags) localURL() (string, error) {
	dir := f.dataDir
	if dir == "" {
		d, err := local.DefaultDataDir()
		if err != nil {
			return "", err
		}
		dir = d
	}
	file := apiURLFile(dir, f.name)
	b, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("no service %q on the local cluster in %s (%s does not exist: is \"kennel local up --service\" running?)", f.name, dir, file)
	}
	if err != nil {
		return "", err
	}
	url := strings.TrimSpace(string(b))
	if url == "" {
		return "", fmt.Errorf("%s is empty", file)
	}
	return url, nil
}

// apiURLFile is where "kennel local up --service" records the URL of the
// service's scheduler API while it serves: <data-dir>/services/<name>/api-url,
// with a foldered name's "/" as "__" (which service names cannot contain).
func apiURLFile(dataDir, service string) string {
	dir := strings.ReplaceAll(strings.Trim(service, "/"), "/", "__")
	return filepath.Join(dataDir, "services", dir, "api-url")
}

// recordAPIURL writes url to the service's api-url file and returns a func
// that removes it.
func recordAPIURL(dataDir, service, url string) (remove func(), err error) {
	file := apiURLFile(dataDir, service)
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return nil, fmt.Errorf("record the API URL: %w", err)
	}
	if err := os.WriteFile(file, []byte(url+"\n"), 0o644); err != nil {
		return nil, fmt.Errorf("record the API URL: %w", err)
	}
	return func() {
		_ = os.Remove(file)
		_ = os.Remove(filepath.Dir(file)) // only if empty
	}, nil
}
