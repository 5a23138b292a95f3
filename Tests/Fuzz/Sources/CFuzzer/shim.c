// Empty: CFuzzer only declares libFuzzer's driver entry point (include/CFuzzer.h).
#include "CFuzzer.h"
