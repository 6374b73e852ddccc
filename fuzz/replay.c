/*
 * replay.c - run a libFuzzer target's input files without libFuzzer.
 *
 * Linked with any fuzz_<name>.c by any compiler (gcc in the normal test
 * run), so the seed corpus and every crash input kept in it are replayed as
 * a regression test. Arguments are files or directories (read one level
 * deep); each file is passed once to LLVMFuzzerTestOneInput. Exit 0 when
 * all ran (a failing input aborts), 1 on an unreadable path.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX (1u << 20)

static int run_file(const char *path)
{
    static uint8_t buf[REPLAY_MAX];
    FILE *f = fopen(path, "rb");
    size_t n;
    uint8_t *copy;

    if (!f) {
        perror(path);
        return 1;
    }
    n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    /* an exact-size copy so ASan sees reads past the end */
    copy = malloc(n ? n : 1);
    if (!copy)
        return 1;
    memcpy(copy, buf, n);
    LLVMFuzzerTestOneInput(copy, n);
    free(copy);
    return 0;
}

int main(int argc, char **argv)
{
    int i, bad = 0, ran = 0;

    for (i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            perror(argv[i]);
            bad = 1;
        } else if (S_ISDIR(st.st_mode)) {
            DIR *d = opendir(argv[i]);
            struct dirent *e;
            char path[4096];
            if (!d) {
                perror(argv[i]);
                bad = 1;
                continue;
            }
            while ((e = readdir(d)) != NULL) {
                if (e->d_name[0] == '.')
                    continue;
                snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
                bad |= run_file(path);
                ran++;
            }
            closedir(d);
        } else {
            bad |= run_file(argv[i]);
            ran++;
        }
    }
    printf("replayed %d inputs\n", ran);
    return bad;
}
