// The example site's function: a plain net/http handler would go here.
package main

func main() {}
