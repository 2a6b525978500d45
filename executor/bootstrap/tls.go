package bootstrap

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kennel-sdk/kennel/certs"
	"github.com/kennel-sdk/kennel/certs/taskenv"
)

// ErrCertificate is wrapped by Certificates' errors.
var ErrCertificate = errors.New("transport encryption")

// Certificates gives the task the certificates its spec's
// transport-encryption asks for, when env says so (taskenv.Encryptions):
// it creates the task's private key here, sends a certificate signing
// request to env[taskenv.URL] with env[taskenv.Token], and writes the
// files of certs.Files into dir (keys and keystores mode 0600, atomically).
// The private key never leaves the task. It asks again every interval
// while the scheduler cannot be reached or answers 5xx, until ctx ends;
// a 4xx answer is final. It returns one line per file written, and
// nothing when env asks for no certificate, and the secrets the scheduler
// gave the task with its certificate (values for its config templates
// only). Errors wrap ErrCertificate
// and never hold key material.
func Certificates(ctx context.Context, client *http.Client, dir string, env map[string]string, interval time.Duration, waiting func(string)) (lines []string, secrets map[string]string, err error) {
	entries, err := taskenv.Parse(env[taskenv.Encryptions])
	if err != nil || len(entries) == 0 {
		if err != nil {
			err = fmt.Errorf("%w: %w", ErrCertificate, err)
		}
		return nil, nil, err
	}
	url, token := env[taskenv.URL], env[taskenv.Token]
	if url == "" || token == "" {
		return nil, nil, fmt.Errorf("%w: %s needs %s and %s", ErrCertificate, taskenv.Encryptions, taskenv.URL, taskenv.Token)
	}
	key, err := certs.NewKey()
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrCertificate, err)
	}
	csr, err := certs.NewRequest(key, env["TASK_NAME"])
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrCertificate, err)
	}
	var issued taskenv.Issued
	last := ""
	for {
		var retry bool
		issued, retry, err = requestCert(ctx, client, url, token, csr)
		if err == nil {
			break
		}
		if !retry {
			return nil, nil, fmt.Errorf("%w: %w", ErrCertificate, err)
		}
		if err.Error() != last {
			last = err.Error()
			waiting(last)
		}
		select {
		case <-ctx.Done():
			return nil, nil, fmt.Errorf("%w: gave up: %w", ErrCertificate, err)
		case <-time.After(interval):
		}
	}
	files, err := certs.Files(entries, key, []byte(issued.Certificate), []byte(issued.CA))
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrCertificate, err)
	}
	for _, f := range files {
		path := filepath.Join(dir, f.Name)
		mode := os.FileMode(0o644)
		if f.Secret {
			mode = 0o600
		}
		if err := writeMode(path, f.Data, mode); err != nil {
			return lines, nil, fmt.Errorf("%w: %s: %w", ErrCertificate, f.Name, err)
		}
		lines = append(lines, "wrote "+path)
	}
	return lines, issued.Secrets, nil
}

// requestCert POSTs csr once; retry says whether asking again may help.
func requestCert(ctx context.Context, client *http.Client, url, token string, csr []byte) (taskenv.Issued, bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(csr))
	if err != nil {
		return taskenv.Issued{}, false, err
	}
	req.Header.Set("Content-Type", "application/pkcs10")
	req.Header.Set(taskenv.TokenHeader, token)
	resp, err := client.Do(req)
	if err != nil {
		return taskenv.Issued{}, true, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return taskenv.Issued{}, true, err
	}
	if resp.StatusCode != http.StatusOK {
		msg := strings.TrimSpace(string(body))
		if len(msg) > 300 {
			msg = msg[:300]
		}
		return taskenv.Issued{}, resp.StatusCode >= 500, fmt.Errorf("the scheduler answered %s: %s", resp.Status, msg)
	}
	var issued taskenv.Issued
	if err := json.Unmarshal(body, &issued); err != nil || issued.Certificate == "" || issued.CA == "" {
		return taskenv.Issued{}, false, fmt.Errorf("the scheduler's answer is not a certificate and a CA: %v", err)
	}
	return issued, false, nil
}

// writeMode writes data to path atomically with mode: a temporary file
// (created 0600) in the same directory, fsynced, renamed over path.
func writeMode(path string, data []byte, mode os.FileMode) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Chmod(mode); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
