/* Runs PROGRAM ARGS with every argument "@ARG@" replaced by the contents of FILE:
   hyperfine takes each command as one argument of its own, so a command holding a
   128 KiB argument reaches it as `launch FILE PROGRAM ... @ARG@ ...`. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
static char text[1 << 18];
int main(int argc, char **argv) {
    if (argc < 3) return 2;
    FILE *in = fopen(argv[1], "rb");
    if (in == NULL) return 2;
    size_t length = fread(text, 1, sizeof text - 1, in);
    fclose(in);
    text[length] = '\0';
    for (int i = 2; i < argc; i++)
        if (strcmp(argv[i], "@ARG@") == 0) argv[i] = text;
    execvp(argv[2], argv + 2);
    return 127;
}
