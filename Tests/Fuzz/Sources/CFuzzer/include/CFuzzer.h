// libFuzzer's entry point for programs with their own main (SwiftPM renames each executable's main,
// so libFuzzer's main cannot be used). Declared here; defined by libFuzzer (-sanitize=fuzzer).
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
