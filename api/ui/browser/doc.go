// Package browser holds the dashboard's browser tests: headless Chromium
// (Debian's chromium package) driven by chromedp against a real scheduler
// on the local cluster. `make screenshots` runs them with -screenshots to
// write the README's pictures under docs/.
package browser
