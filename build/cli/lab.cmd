@echo off
rem P2P DMA Lab on the command line (Windows): lab p2p lab.p2plab, lab run course.p2plab, lab --help.
rem It runs the installed app itself in its --cli mode (no window) and ends with its exit code.
"%~dp0P2P DMA Lab.exe" --cli %*
exit /b %ERRORLEVEL%
