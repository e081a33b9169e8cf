; Inno Setup 6 script: the Windows installer for Liaison Desk (x64). Built on Windows, from
; the project root, after the one-folder build:
;
;   py -3.11 -m venv .venv
;   .venv\Scripts\python -m pip install -e ".[package]" -c packaging\constraints.txt
;   .venv\Scripts\python packaging\build.py
;       -> dist\liaison-desk\liaison-desk.exe (+ _internal\), checked with --version
;   dist\liaison-desk\liaison-desk.exe self-test
;   iscc /DAppVersion=0.1.0 packaging\windows\liaison-desk.iss
;       -> dist\liaison-desk-0.1.0-windows-x64-setup.exe
;
; Sign dist\liaison-desk\liaison-desk.exe before running iscc, and the setup program after
; (signtool sign /fd SHA256 /tr http://timestamp.digicert.com /td SHA256 /a FILE), then
; write its SHA-256 beside it: certutil -hashfile FILE SHA256.
;
; One executable is both the GUI (started from the Start menu) and the command line
; ("C:\Program Files\Liaison Desk\liaison-desk.exe" self-test); its console window is
; hidden when Explorer starts it. Per-user vaults live in %LOCALAPPDATA%; uninstalling
; leaves them alone.

#ifndef AppVersion
  #error Pass the version from pyproject.toml: iscc /DAppVersion=0.1.0 liaison-desk.iss
#endif

[Setup]
AppId={{5B0C8E3A-4F7E-4B8C-9E59-2A1D6C0F7B31}
AppName=Liaison Desk
AppVersion={#AppVersion}
AppVerName=Liaison Desk {#AppVersion}
AppPublisher=Liaison Desk developers
DefaultDirName={autopf}\Liaison Desk
DefaultGroupName=Liaison Desk
DisableProgramGroupPage=yes
PrivilegesRequired=admin
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\..\dist
OutputBaseFilename=liaison-desk-{#AppVersion}-windows-x64-setup
UninstallDisplayIcon={app}\liaison-desk.exe
UninstallDisplayName=Liaison Desk {#AppVersion}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "..\..\dist\liaison-desk\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\Liaison Desk"; Filename: "{app}\liaison-desk.exe"
Name: "{autodesktop}\Liaison Desk"; Filename: "{app}\liaison-desk.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\liaison-desk.exe"; Description: "{cm:LaunchProgram,Liaison Desk}"; Flags: nowait postinstall skipifsilent
