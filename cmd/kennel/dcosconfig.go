package main

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"
)

// dcosConfig is what the DC/OS CLI's configuration says about reaching
// services: core.dcos_url, core.dcos_acs_token and core.ssl_verify
// ("true", "false" or the path of a CA bundle).
type dcosConfig struct {
	url, token, sslVerify string
}

// loadDCOSConfig reads the DC/OS CLI's configuration the way the DC/OS
// Commons CLI does (reference/dcos-commons.md §5.3), except that it never
// runs `dcos config show`. Each key comes from its environment variable if
// set, else from the TOML file of the attached cluster
// ($DCOS_DIR/clusters/<id>/dcos.toml beside an "attached" file, or the
// cluster named $DCOS_CLUSTER), else from $DCOS_CONFIG or
// $DCOS_DIR/dcos.toml. DCOS_DIR defaults to ~/.dcos. A key a found file
// lacks is empty.
func loadDCOSConfig() (dcosConfig, error) {
	var core map[string]any
	if needsFile := dcosEnv("dcos_url") == "" || dcosEnv("dcos_acs_token") == "" || dcosEnv("ssl_verify") == ""; needsFile {
		file, err := dcosConfigFile()
		if err != nil {
			return dcosConfig{}, err
		}
		if file != "" {
			if core, err = readDCOSCore(file); err != nil {
				return dcosConfig{}, err
			}
		}
	}
	key := func(name string) string {
		if v := dcosEnv(name); v != "" {
			return v
		}
		if v, ok := core[name]; ok {
			return fmt.Sprint(v)
		}
		return ""
	}
	cfg := dcosConfig{url: key("dcos_url"), token: key("dcos_acs_token"), sslVerify: key("ssl_verify")}
	if cfg.url == "" {
		return cfg, errors.New("no DC/OS cluster: core.dcos_url is not set (attach one with `dcos cluster setup`, or set $DCOS_URL)")
	}
	return cfg, nil
}

// dcosEnv returns the environment's value of core.<key>: DCOS_<KEY>, and
// for dcos_* keys also DCOS_DCOS_<...> (core.dcos_url is $DCOS_URL or
// $DCOS_DCOS_URL).
func dcosEnv(key string) string {
	name := "DCOS_" + strings.ToUpper(key)
	if short, ok := strings.CutPrefix(name, "DCOS_DCOS_"); ok {
		if v := os.Getenv("DCOS_" + short); v != "" {
			return v
		}
	}
	return os.Getenv(name)
}

// dcosConfigFile returns the DC/OS CLI's TOML file in use, or "" if there
// is none.
func dcosConfigFile() (string, error) {
	dir := os.Getenv("DCOS_DIR")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("DC/OS CLI config: %w", err)
		}
		dir = filepath.Join(home, ".dcos")
	}
	if file, err := attachedCluster(dir, os.Getenv("DCOS_CLUSTER")); file != "" || err != nil {
		return file, err
	}
	file := os.Getenv("DCOS_CONFIG")
	if file == "" {
		file = filepath.Join(dir, "dcos.toml")
	}
	if _, err := os.Stat(file); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", nil
		}
		return "", fmt.Errorf("DC/OS CLI config: %w", err)
	}
	return file, nil
}

// attachedCluster returns the dcos.toml of the cluster named name (its
// cluster.name or its directory's name), or when name is "" of the
// cluster whose directory has an "attached" file; "" if there is none.
func attachedCluster(dcosDir, name string) (string, error) {
	dirs, err := filepath.Glob(filepath.Join(dcosDir, "clusters", "*"))
	if err != nil {
		return "", err
	}
	for _, d := range dirs {
		file := filepath.Join(d, "dcos.toml")
		if _, err := os.Stat(file); err != nil {
			continue
		}
		if name == "" {
			if _, err := os.Stat(filepath.Join(d, "attached")); err == nil {
				return file, nil
			}
			continue
		}
		if filepath.Base(d) == name {
			return file, nil
		}
		var c struct {
			Cluster struct{ Name string } `toml:"cluster"`
		}
		if _, err := toml.DecodeFile(file, &c); err == nil && c.Cluster.Name == name {
			return file, nil
		}
	}
	if name != "" {
		return "", fmt.Errorf("DC/OS CLI config: no cluster named %q (DCOS_CLUSTER) in %s", name, filepath.Join(dcosDir, "clusters"))
	}
	return "", nil
}

// readDCOSCore returns the [core] table of a DC/OS CLI TOML file.
func readDCOSCore(file string) (map[string]any, error) {
	var c struct {
		Core map[string]any `toml:"core"`
	}
	if _, err := toml.DecodeFile(file, &c); err != nil {
		return nil, fmt.Errorf("DC/OS CLI config: %w", err)
	}
	return c.Core, nil
}

// dcosServiceURL is the base URL of a service's API behind Admin Router:
// dcos_url without trailing "/" and "#/", its path replaced by
// /service/<service>.
func dcosServiceURL(dcosURL, service string) (string, error) {
	for trimmed := ""; trimmed != dcosURL; {
		trimmed = dcosURL
		dcosURL = strings.TrimSuffix(strings.TrimSuffix(dcosURL, "/"), "#")
	}
	u, err := url.Parse(dcosURL)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("core.dcos_url %q is not a URL", dcosURL)
	}
	u.Path = "/service/" + strings.Trim(service, "/")
	u.RawPath, u.RawQuery, u.Fragment = "", "", ""
	return u.String(), nil
}
