#include <stdio.h>
#include <string.h>
/* The floor: reads --executor-input JSON, finds the last "outputFile" in it (the
   executor output's path) and writes a fixed executor output there. */
int main(int argc, char **argv) {
    if (argc != 3 || strcmp(argv[1], "--executor-input") != 0) return 2;
    const char *key = "\"outputFile\":\"", *path = NULL;
    for (const char *at = argv[2]; (at = strstr(at, key)) != NULL; at++) path = at + strlen(key);
    if (path == NULL) return 3;
    char file[4096];
    size_t length = strcspn(path, "\"");
    if (length >= sizeof file) return 3;
    memcpy(file, path, length);
    file[length] = '\0';
    FILE *out = fopen(file, "w");
    if (out == NULL) return 7;
    fputs("{\"parameterValues\":{\"Output\":42}}", out);
    return fclose(out) == 0 ? 0 : 7;
}
