#!/usr/bin/env pwsh
# Runs the deployment suite: ./build.ps1 --target=Deploy [--plan] [--name=value ...]
# Same behaviour as build.sh: compile build/ only when something in it changed, then run the assembly.
$ErrorActionPreference = 'Stop'
$root = $PSScriptRoot
$output = Join-Path $root 'artifacts/build'
$stamp = Join-Path $output '.compiled'

function Test-NeedsCompile {
    if (-not (Test-Path $stamp) -or -not (Test-Path (Join-Path $output 'Build.dll'))) { return $true }
    $compiled = (Get-Item $stamp).LastWriteTimeUtc
    $newer = Get-ChildItem -Path (Join-Path $root 'build') -Recurse -File |
        Where-Object { $_.FullName -notmatch '[\\/](bin|obj)[\\/]' -and $_.LastWriteTimeUtc -gt $compiled } |
        Select-Object -First 1
    return $null -ne $newer
}

if (Test-NeedsCompile) {
    New-Item -ItemType Directory -Force -Path $output | Out-Null
    $started = Get-Date
    Write-Host 'Compiling build/ ...'
    dotnet build (Join-Path $root 'build/Build.csproj') --configuration Release --nologo --verbosity quiet "--property:OutDir=$output/"
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
    New-Item -ItemType File -Force -Path $stamp | Out-Null
    (Get-Item $stamp).LastWriteTimeUtc = $started.ToUniversalTime()
}

& dotnet (Join-Path $output 'Build.dll') @args
exit $LASTEXITCODE
